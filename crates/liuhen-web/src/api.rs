//! The in-process API client: every page asks `/api/v1` for what it shows
//! and sends every change there, as a browser script would, but without
//! leaving the process.
//!
//! The browser's session cookie is passed on unchanged, and a form's CSRF
//! token travels as the `X-CSRF-Token` header, so the API authenticates,
//! authorizes, audits and checks CSRF exactly as for any other client.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tower::ServiceExt;

/// The largest API response a page reads (a page of records, a case).
const MAX_RESPONSE_BYTES: usize = 32 << 20;

/// How long pages share one read of the directory.
const DIRECTORY_TTL: Duration = Duration::from_secs(5);

/// The API router, called in process.
#[derive(Clone)]
pub struct Api {
    router: Router,
    /// The last directory read for showing names and choices.
    directory: Arc<Mutex<Option<DirectoryRead>>>,
}

/// A directory as read, and when.
type DirectoryRead = (Instant, Arc<Value>);

/// What the API answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: axum::body::Bytes,
}

/// An API call that did not succeed, as a page shows it.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    /// The API's own sentence (Chinese first), safe to show.
    pub message: String,
}

impl Api {
    pub fn new(router: Router) -> Self {
        Self { router, directory: Arc::default() }
    }

    /// The directory (units, officers, devices) for showing names and
    /// choices, read through the API as `browser`. It changes rarely, is
    /// the same for everyone signed in, and with a large agency is a
    /// megabyte of JSON, so pages share one read for a few seconds
    /// ([`DIRECTORY_TTL`]): a new officer can take that long to appear in a
    /// list. The API checks every change against the directory as it is;
    /// the administration page reads it afresh with [`Api::get`]. A
    /// refusal (a session that ended) gives an empty directory, not kept.
    pub async fn directory(&self, browser: &HeaderMap) -> Arc<Value> {
        let cached = self.directory.lock().ok().and_then(|held| held.clone());
        if let Some((read_at, directory)) = cached {
            if read_at.elapsed() < DIRECTORY_TTL {
                return directory;
            }
        }
        match self.get::<Value>(browser, "/api/v1/directory").await {
            Ok(directory) => {
                let directory = Arc::new(directory);
                if let Ok(mut held) = self.directory.lock() {
                    *held = Some((Instant::now(), directory.clone()));
                }
                directory
            }
            Err(_) => Arc::new(Value::Null),
        }
    }

    /// Calls `method path` as the browser whose request headers are
    /// `browser` (only its cookie is passed on).
    pub async fn call(&self, browser: &HeaderMap, method: Method, path: &str, csrf: Option<&str>, body: Option<&Value>) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = browser.get(header::COOKIE) {
            request = request.header(header::COOKIE, cookie.clone());
        }
        if let Some(csrf) = csrf.and_then(|token| HeaderValue::from_str(token).ok()) {
            request = request.header("x-csrf-token", csrf);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let request = match request.body(body) {
            Ok(request) => request,
            Err(error) => return internal(format!("cannot build the API request for {path}: {error}")),
        };
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        match axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await {
            Ok(bytes) => Answer { status: parts.status, headers: parts.headers, body: bytes },
            Err(error) => internal(format!("cannot read the API's answer to {path}: {error}")),
        }
    }

    /// `GET path`, decoded as `T`.
    pub async fn get<T: DeserializeOwned>(&self, browser: &HeaderMap, path: &str) -> Result<T, Refusal> {
        self.call(browser, Method::GET, path, None, None).await.decode(path)
    }

    /// `method path` with a JSON body and the form's CSRF token, decoded as `T`.
    pub async fn send<T: DeserializeOwned>(
        &self,
        browser: &HeaderMap,
        method: Method,
        path: &str,
        csrf: &str,
        body: &Value,
    ) -> Result<T, Refusal> {
        self.call(browser, method, path, Some(csrf), Some(body)).await.decode(path)
    }
}

impl Answer {
    /// The body as `T` when the status is a success; the API's message
    /// otherwise.
    pub fn decode<T: DeserializeOwned>(self, path: &str) -> Result<T, Refusal> {
        if !self.status.is_success() {
            return Err(self.refusal());
        }
        let bytes: &[u8] = if self.body.is_empty() { b"null" } else { &self.body };
        serde_json::from_slice(bytes).map_err(|error| {
            tracing::error!(%error, path, "the API's answer does not read as the page expects");
            Refusal { status: StatusCode::INTERNAL_SERVER_ERROR, message: INTERNAL.to_owned() }
        })
    }

    /// The API's error message (the `error` field of its JSON body).
    pub fn refusal(&self) -> Refusal {
        let message = serde_json::from_slice::<Value>(&self.body)
            .ok()
            .and_then(|json| json.get("error").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| format!("请求未成功（{}）。The request did not succeed ({}).", self.status.as_u16(), self.status));
        Refusal { status: self.status, message }
    }
}

const INTERNAL: &str = "系统内部错误，请稍后重试或联系系统管理员。Something went wrong inside Liuhen; try again, or ask an administrator to check the server log.";

fn internal(detail: String) -> Answer {
    tracing::error!(detail, "in-process API call failed");
    Answer {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        headers: HeaderMap::new(),
        body: serde_json::json!({ "error": INTERNAL }).to_string().into(),
    }
}

//! What every page shares: the signed-in [`Viewer`], the navigation, the
//! one-time notice (flash) and the way pages and errors are rendered.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::Refusal;
use crate::templates;
use crate::WebState;

/// The cookie that carries a one-time notice to the next page.
const FLASH_COOKIE: &str = "liuhen_flash";

/// The person looking at a page, as `GET /api/v1/me` tells.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The browser's request headers, passed on to every API call.
    pub headers: HeaderMap,
    pub user: Me,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
    /// A notice left by the previous request (after a redirect).
    pub flash: Option<Flash>,
    /// The path (and query) this page was asked for.
    pub path: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Me {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub roles: Vec<String>,
}

#[derive(Deserialize)]
struct MeAnswer {
    user: Me,
    csrf_token: String,
}

/// A notice shown once at the top of the next page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `ok` or `error`.
    pub kind: String,
    pub text: String,
}

impl Viewer {
    pub fn has_role(&self, role: &str) -> bool {
        self.user.roles.iter().any(|held| held == role)
    }

    pub fn has_any_role(&self, roles: &[&str]) -> bool {
        roles.iter().any(|role| self.has_role(role))
    }

    /// Renders `template` inside the layout. `context` is the page's own
    /// data (an object); the layout adds `me`, `nav`, `csrf`, `flash`.
    pub fn render(&self, template: &str, title: &str, context: Value) -> Response {
        let mut page = match context {
            Value::Object(map) => map,
            Value::Null => serde_json::Map::new(),
            other => {
                let mut map = serde_json::Map::new();
                map.insert("data".into(), other);
                map
            }
        };
        page.insert("title".into(), Value::from(title));
        page.insert("me".into(), serde_json::to_value(&self.user).unwrap_or_default());
        page.insert("nav".into(), Value::from(navigation(self)));
        page.insert("csrf".into(), Value::from(self.csrf.clone()));
        page.insert("path".into(), Value::from(self.path.clone()));
        if let Some(flash) = &self.flash {
            page.insert("flash".into(), serde_json::to_value(flash).unwrap_or_default());
        }
        let mut response = html(StatusCode::OK, template, Value::Object(page));
        if self.flash.is_some() {
            response.headers_mut().append(header::SET_COOKIE, flash_cookie(None));
        }
        response
    }

    /// Like [`Viewer::render`] with another status (a form sent back with
    /// its errors answers 422, so tools can tell it from success).
    pub fn render_status(&self, status: StatusCode, template: &str, title: &str, context: Value) -> Response {
        let mut response = self.render(template, title, context);
        *response.status_mut() = status;
        response
    }

    /// An error page for a refused API call, inside the layout.
    pub fn refused(&self, refusal: Refusal) -> Response {
        let title = error_title(refusal.status);
        let mut response =
            self.render("error.html", title, serde_json::json!({ "message": refusal.message, "status": refusal.status.as_u16() }));
        *response.status_mut() = refusal.status;
        response
    }
}

/// A redirect that leaves `text` as a notice for the next page.
pub fn redirect_with(to: &str, kind: &str, text: &str) -> Response {
    let flash = Flash { kind: kind.to_owned(), text: text.to_owned() };
    let mut response = Redirect::to(to).into_response();
    // 303: the next request is a GET whatever this one was.
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().append(header::SET_COOKIE, flash_cookie(Some(&flash)));
    response
}

/// A redirect after a successful change, with a notice saying so.
pub fn done(to: &str, text: &str) -> Response {
    redirect_with(to, "ok", text)
}

/// A redirect back after a refused change, with the API's reason.
pub fn failed(to: &str, refusal: &Refusal) -> Response {
    redirect_with(to, "error", &refusal.message)
}

fn flash_cookie(flash: Option<&Flash>) -> HeaderValue {
    let (value, age) = match flash.and_then(|flash| serde_json::to_string(flash).ok()) {
        Some(json) => (utf8_percent_encode(&json, NON_ALPHANUMERIC).to_string(), 60),
        None => (String::new(), 0),
    };
    HeaderValue::from_str(&format!("{FLASH_COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Strict"))
        .unwrap_or_else(|_| HeaderValue::from_static("liuhen_flash=; Path=/; Max-Age=0"))
}

fn read_flash(headers: &HeaderMap) -> Option<Flash> {
    let raw = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == FLASH_COOKIE && !value.is_empty())
        .map(|(_, value)| value)?;
    let json = percent_decode_str(raw).decode_utf8().ok()?;
    let flash: Flash = serde_json::from_str(&json).ok()?;
    let kind = if flash.kind == "ok" { "ok" } else { "error" };
    Some(Flash { kind: kind.to_owned(), text: flash.text.chars().take(2000).collect() })
}

/// Renders `template` with `context` as a whole page.
pub fn html(status: StatusCode, template: &str, context: Value) -> Response {
    match templates::render(template, minijinja::Value::from_serialize(&context)) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), template, "a page template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(PLAIN_INTERNAL.to_owned())).into_response()
        }
    }
}

const PLAIN_INTERNAL: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统内部错误</title>\
<p>系统内部错误，请稍后重试或联系系统管理员。Something went wrong inside Liuhen; ask an administrator to check the server log.</p>\
<p><a href=\"/\">返回工作台</a></p></html>";

pub fn error_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "请求有误",
        401 => "请先登录",
        403 => "无权操作",
        404 => "未找到",
        409 => "与当前状态冲突",
        503 => "功能未开启",
        _ => "系统内部错误",
    }
}

/// Who sees which entry of the navigation. Empty: everyone signed in.
const NAVIGATION: &[(&str, &str, &[&str])] = &[
    ("/", "我的工作台", &[]),
    ("/cases", "案件", &[]),
    ("/recordings", "音视频记录", &[]),
    ("/workstation", "采集站", &["officer", "unit_leader", "administrator"]),
    ("/access", "调阅申请", &[]),
    ("/compliance", "合规检查", &["unit_leader", "legal_reviewer", "inspector", "administrator", "archivist"]),
    ("/supervision", "督察", &["inspector", "legal_reviewer", "unit_leader"]),
    ("/admin", "系统管理", &["administrator"]),
];

/// Whether `viewer` sees the navigation entry at `href`.
pub fn may_see(viewer: &Viewer, href: &str) -> bool {
    NAVIGATION.iter().find(|(path, _, _)| *path == href).is_none_or(|(_, _, roles)| roles.is_empty() || viewer.has_any_role(roles))
}

fn navigation(viewer: &Viewer) -> Vec<Value> {
    let current = viewer.path.split('?').next().unwrap_or("/");
    NAVIGATION
        .iter()
        .filter(|(_, _, roles)| roles.is_empty() || viewer.has_any_role(roles))
        .map(|(href, label, _)| {
            let active = if *href == "/" { current == "/" } else { current == *href || current.starts_with(&format!("{href}/")) };
            serde_json::json!({ "href": href, "label": label, "active": active })
        })
        .collect()
}

/// Why a page could not be shown to the person asking.
#[derive(Debug)]
pub enum Rejection {
    /// Not signed in (or the session ended): to the sign-in page, and back.
    SignIn { next: String },
    /// A device token, not a person.
    Refused(Refusal),
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::SignIn { next } => {
                let target = format!("/login?next={}", utf8_percent_encode(&next, NON_ALPHANUMERIC));
                let mut response = Redirect::to(&target).into_response();
                *response.status_mut() = StatusCode::SEE_OTHER;
                response
            }
            Rejection::Refused(refusal) => bare_error(refusal.status, &refusal.message),
        }
    }
}

/// An error page outside the layout (nobody known to show navigation to).
pub fn bare_error(status: StatusCode, message: &str) -> Response {
    html(status, "error.html", serde_json::json!({ "title": error_title(status), "message": message, "status": status.as_u16() }))
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Rejection> {
        let path = match parts.extensions.get::<OriginalUri>() {
            Some(OriginalUri(uri)) => uri.path_and_query().map_or_else(|| uri.path().to_owned(), ToString::to_string),
            None => parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), ToString::to_string),
        };
        let answer = state.api.call(&parts.headers, axum::http::Method::GET, "/api/v1/me", None, None).await;
        if answer.status == StatusCode::UNAUTHORIZED {
            return Err(Rejection::SignIn { next: path });
        }
        let me: MeAnswer = answer.decode("/api/v1/me").map_err(|refusal| {
            if refusal.status.is_server_error() {
                Rejection::Refused(refusal)
            } else {
                Rejection::Refused(Refusal { status: StatusCode::FORBIDDEN, message: refusal.message })
            }
        })?;
        Ok(Viewer { headers: parts.headers.clone(), user: me.user, csrf: me.csrf_token, flash: read_flash(&parts.headers), path })
    }
}

/// A path the sign-in page may send someone back to: on this site only.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next) if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.starts_with("/login") => {
            next.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A path segment or query value, percent-encoded.
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_sends_people_back_only_within_the_site() {
        assert_eq!(safe_next(Some("/cases?stage=filing")), "/cases?stage=filing");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/login")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_flash_survives_its_cookie() {
        let flash = Flash { kind: "ok".into(), text: "已批准；调阅单已可打印".into() };
        let cookie = flash_cookie(Some(&flash));
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("other=1; {pair}")).unwrap());
        let read = read_flash(&headers).unwrap();
        assert_eq!((read.kind.as_str(), read.text.as_str()), ("ok", "已批准；调阅单已可打印"));
        headers.insert(header::COOKIE, HeaderValue::from_static("liuhen_flash=%7B%22kind%22%3A%22weird%22%2C%22text%22%3A%22x%22%7D"));
        assert_eq!(read_flash(&headers).unwrap().kind, "error", "an unknown kind is shown as an error, never styled freely");
    }
}

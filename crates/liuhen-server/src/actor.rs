//! Who is asking: the [`CurrentActor`] extractor.
//!
//! A request is authenticated in one of two ways:
//! - `Authorization: Bearer <token>`: a machine (a collection workstation)
//!   holding a per-device API token that has not been revoked;
//! - the `liuhen_session` cookie: a person signed in through
//!   `POST /api/v1/session`, whose session has neither ended nor expired
//!   and whose account is still enabled.
//!
//! If an `Authorization` header is present it decides, even when a cookie
//! is sent too. A cookie-authenticated request whose method may change
//! state must also carry the session's CSRF token in `X-CSRF-Token`;
//! bearer requests are exempt, because no browser attaches a bearer token
//! on its own.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Method};
use jiff::Timestamp;
use liuhen_core::entity::{ApiToken, Session, User};

use crate::auth::{constant_time_eq, cookie_value, csrf_token, secret_digest, CSRF_HEADER, SESSION_COOKIE};
use crate::error::ApiError;
use crate::AppState;

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub enum CurrentActor {
    /// A person with a session.
    User(SignedInUser),
    /// A machine with an API token.
    Device(AuthenticatedDevice),
}

/// A person signed in with a session cookie.
#[derive(Clone)]
pub struct SignedInUser {
    pub user: User,
    pub session: Session,
    /// The session's CSRF token, for handing back to the web page.
    pub csrf_token: String,
}

impl std::fmt::Debug for SignedInUser {
    // The CSRF token stays out of logs, as the password hash does in `User`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedInUser").field("user", &self.user).field("session", &self.session.id).finish_non_exhaustive()
    }
}

/// A machine that presented a valid API token.
#[derive(Clone, Debug)]
pub struct AuthenticatedDevice {
    pub token: ApiToken,
}

impl CurrentActor {
    /// The actor string written into ledger entries: `user:<id>` or
    /// `device:<id>`.
    pub fn ledger_actor(&self) -> String {
        match self {
            CurrentActor::User(signed_in) => signed_in.user.id.subject(),
            CurrentActor::Device(device) => device.token.device_id.subject(),
        }
    }
}

impl<S> FromRequestParts<S> for CurrentActor
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = AppState::from_ref(state);
        if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
            let token = authorization
                .to_str()
                .ok()
                .and_then(bearer_token)
                .ok_or_else(|| ApiError::Unauthenticated(MALFORMED_AUTHORIZATION.to_owned()))?;
            return authenticate_device(&app, token).await.map(CurrentActor::Device);
        }
        if let Some(secret) = cookie_value(&parts.headers, SESSION_COOKIE).filter(|secret| !secret.is_empty()) {
            let signed_in = authenticate_session(&app, secret).await?;
            if !is_safe(&parts.method) {
                check_csrf(parts, &signed_in.csrf_token)?;
            }
            return Ok(CurrentActor::User(signed_in));
        }
        Err(ApiError::Unauthenticated(NO_CREDENTIALS.to_owned()))
    }
}

const NO_CREDENTIALS: &str =
    "请先登录。Sign in first (POST /api/v1/session), or send a device API token as `Authorization: Bearer <token>`.";
const MALFORMED_AUTHORIZATION: &str =
    "Authorization 头格式错误。The Authorization header must read `Bearer <token>`; check how the token is sent.";
const UNKNOWN_TOKEN: &str =
    "API 令牌无效。This API token is not known; check the token configured on the device, or ask an administrator to issue a new one.";
const REVOKED_TOKEN: &str = "API 令牌已被吊销。This API token has been revoked; ask an administrator to issue a new one for this device.";
const NO_SESSION: &str = "登录已失效，请重新登录。Your session has ended or is not known; sign in again.";
const EXPIRED_SESSION: &str = "登录已过期，请重新登录。Your session has expired; sign in again.";
const DISABLED_ACCOUNT: &str = "此账号已停用，请联系系统管理员。This account is disabled; ask an administrator to re-enable it.";
const BAD_CSRF: &str = "请求缺少有效的 CSRF 令牌，请刷新页面后重试。This request must carry the session's CSRF token in the X-CSRF-Token header; reload the page and try again.";

/// The token of an `Authorization: Bearer <token>` header value.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

async fn authenticate_device(app: &AppState, token: &str) -> Result<AuthenticatedDevice, ApiError> {
    let token =
        app.store.api_token_by_secret(&secret_digest(token)).await?.ok_or_else(|| ApiError::Unauthenticated(UNKNOWN_TOKEN.to_owned()))?;
    if token.revoked {
        return Err(ApiError::Unauthenticated(REVOKED_TOKEN.to_owned()));
    }
    Ok(AuthenticatedDevice { token })
}

async fn authenticate_session(app: &AppState, secret: &str) -> Result<SignedInUser, ApiError> {
    let session =
        app.store.session_by_secret(&secret_digest(secret)).await?.ok_or_else(|| ApiError::Unauthenticated(NO_SESSION.to_owned()))?;
    if session.expires_at <= Timestamp::now() {
        return Err(ApiError::Unauthenticated(EXPIRED_SESSION.to_owned()));
    }
    let user = app.store.user(session.user_id).await?.ok_or_else(|| ApiError::Unauthenticated(NO_SESSION.to_owned()))?;
    if user.disabled {
        return Err(ApiError::Forbidden(DISABLED_ACCOUNT.to_owned()));
    }
    Ok(SignedInUser { user, session, csrf_token: csrf_token(secret) })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn check_csrf(parts: &Parts, expected: &str) -> Result<(), ApiError> {
    let presented = parts.headers.get(CSRF_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
    if constant_time_eq(presented, expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(BAD_CSRF.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively_and_nothing_else_is() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("abc"), None);
    }
}

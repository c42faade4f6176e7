//! Signing in and out (`/api/v1/session`) and `GET /api/v1/me`.
//!
//! Every sign-in attempt is recorded in the ledger: a successful one as
//! `session.started` together with the new session, a failed one as
//! `session.login_failed` with the login that was tried and why it failed
//! (never the password).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::{Role, Session, User};
use liuhen_core::entry::{format_time, EntryDraft};
use liuhen_core::id::{DeviceId, SessionId, TokenId, UserId};
use liuhen_core::mutation::{action, Mutation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::time::Instant;

use crate::actor::CurrentActor;
use crate::auth::{self, csrf_token, generate_secret, secret_digest};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::lockout::LOCKOUT;
use crate::{AppState, ServerState};

/// The ledger actor of a request nobody is signed in for.
const ANONYMOUS: &str = "anonymous";

/// The longest login accepted. Failed logins are written into the ledger,
/// which keeps them forever, so arbitrary text must not go there.
const MAX_LOGIN_CHARS: usize = 128;

/// The longest password accepted (Argon2 itself would take far more).
const MAX_PASSWORD_BYTES: usize = 1024;

const WRONG_CREDENTIALS: &str = "登录名或密码错误。The login or password is wrong; check both and try again.";
const DISABLED_ACCOUNT: &str = "此账号已停用，请联系系统管理员。This account is disabled; ask an administrator to re-enable it.";

/// The body of `POST /api/v1/session`. No `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct SignInRequest {
    login: String,
    password: String,
}

/// A user as the API shows it: no password hash.
#[derive(Serialize, utoipa::ToSchema)]
struct UserView {
    #[schema(value_type = String)]
    id: UserId,
    login: String,
    display_name: String,
    #[schema(value_type = Vec<String>)]
    roles: Vec<Role>,
    /// The officer this account belongs to, if any ("my cases").
    #[schema(value_type = Option<String>)]
    officer_id: Option<liuhen_core::id::OfficerId>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            roles: user.roles.clone(),
            officer_id: user.officer_id,
        }
    }
}

/// The answer to a sign-in, and `GET /api/v1/me` for a person.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SignedIn {
    user: UserView,
    /// Send it back in `X-CSRF-Token` on every request that may change state.
    csrf_token: String,
    /// RFC 3339.
    session_expires_at: String,
}

/// `GET /api/v1/me`: a person signed in, or a workstation's token.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub(super) enum Me {
    Person(SignedIn),
    Device { device: DeviceView },
}

/// The workstation a device token belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct DeviceView {
    #[schema(value_type = String)]
    id: DeviceId,
    #[schema(value_type = String)]
    token_id: TokenId,
}

/// Why a sign-in failed, as written into the ledger.
#[derive(Clone, Copy)]
enum FailureReason {
    UnknownLogin,
    WrongPassword,
    AccountDisabled,
    LockedOut,
}

impl FailureReason {
    fn as_str(self) -> &'static str {
        match self {
            FailureReason::UnknownLogin => "unknown_login",
            FailureReason::WrongPassword => "wrong_password",
            FailureReason::AccountDisabled => "account_disabled",
            FailureReason::LockedOut => "locked_out",
        }
    }
}

/// `POST /api/v1/session`: signs a person in.
#[utoipa::path(
    post,
    path = "/api/v1/session",
    request_body = SignInRequest,
    security(()),
    responses(
        (status = 200, description = "Signed in: the `liuhen_session` cookie is set; send `csrf_token` back as `X-CSRF-Token` on changes.", body = SignedIn, headers(("set-cookie" = String, description = "The session cookie."))),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
        (status = 429, description = "Too many failed sign-ins for this login; try again after `Retry-After` seconds.", body = super::openapi::ErrorBody),
    ),
)]
pub(super) async fn start(State(server): State<ServerState>, ApiJson(request): ApiJson<SignInRequest>) -> Result<Response, ApiError> {
    let login = request.login.trim();
    if login.is_empty() || request.password.is_empty() {
        return Err(ApiError::BadRequest("请输入登录名和密码。Enter both a login and a password.".to_owned()));
    }
    if login.chars().count() > MAX_LOGIN_CHARS || request.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "登录名或密码过长。The login may have at most {MAX_LOGIN_CHARS} characters and the password at most {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    let app = &server.app;
    let mut attempt = server.throttle.attempt(login).await;
    if let Some(remaining) = attempt.locked_for(Instant::now()) {
        record_failure(app, login, None, FailureReason::LockedOut).await?;
        return Err(locked_out(remaining));
    }

    let user = app.store.user_by_login(login).await?;
    let password_matches = check_password(user.as_ref(), request.password).await?;
    match user {
        Some(user) if password_matches && !user.disabled => {
            attempt.record_success();
            drop(attempt);
            start_session(app, user).await
        }
        Some(user) if password_matches => {
            // Said only to someone who knows the password, so it does not
            // reveal which accounts are disabled.
            record_failure(app, login, Some(user.id), FailureReason::AccountDisabled).await?;
            Err(ApiError::Forbidden(DISABLED_ACCOUNT.to_owned()))
        }
        user => {
            let reason = if user.is_some() { FailureReason::WrongPassword } else { FailureReason::UnknownLogin };
            if attempt.record_failure(Instant::now()).is_some() {
                tracing::warn!(login, "sign-in locked after repeated failures");
            }
            record_failure(app, login, user.map(|user| user.id), reason).await?;
            Err(ApiError::Unauthenticated(WRONG_CREDENTIALS.to_owned()))
        }
    }
}

/// `DELETE /api/v1/session`: signs the person out.
#[utoipa::path(
    delete,
    path = "/api/v1/session",
    responses(
        (status = 204, description = "Signed out; the cookie is expired."),
        (status = 400, response = super::openapi::BadRequest),
        (status = 401, response = super::openapi::Unauthenticated),
        (status = 403, response = super::openapi::Forbidden),
    ),
)]
pub(super) async fn end(State(app): State<AppState>, actor: CurrentActor) -> Result<Response, ApiError> {
    let CurrentActor::User(signed_in) = &actor else {
        return Err(ApiError::BadRequest(
            "this request carries an API token, not a session cookie, so there is no session to end".to_owned(),
        ));
    };
    let draft = EntryDraft::new(actor.ledger_actor(), action::SESSION_ENDED)
        .subject(signed_in.session.id.subject())
        .subject(signed_in.user.id.subject())
        .payload(json!({ "login": signed_in.user.login }));
    app.ledger.record(draft, vec![Mutation::EndSession(signed_in.session.id)]).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, auth::expired_session_cookie(app.settings.secure_cookies))]).into_response())
}

/// `GET /api/v1/me`: who the caller is. A person also gets the CSRF token
/// again, so a reloaded web page can recover it without signing in anew.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    responses(
        (status = 200, description = "A person (`user`, `csrf_token`, `session_expires_at`) or a workstation (`device`).", body = Me),
        (status = 401, response = super::openapi::Unauthenticated),
    ),
)]
pub(super) async fn me(actor: CurrentActor) -> Json<Me> {
    Json(match actor {
        CurrentActor::User(signed_in) => Me::Person(SignedIn {
            user: UserView::from(&signed_in.user),
            csrf_token: signed_in.csrf_token,
            session_expires_at: format_time(signed_in.session.expires_at),
        }),
        CurrentActor::Device(device) => Me::Device { device: DeviceView { id: device.token.device_id, token_id: device.token.id } },
    })
}

/// Verifies the password off the async threads (Argon2 takes tens of
/// milliseconds on purpose). With no such user, a decoy hash is checked so
/// both failures take the same time.
async fn check_password(user: Option<&User>, password: String) -> Result<bool, ApiError> {
    let hash = match user {
        Some(user) => user.password_hash.clone(),
        None => auth::decoy_password_hash().to_owned(),
    };
    let exists = user.is_some();
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password)).await.map_err(ApiError::internal)?;
    Ok(exists && matches)
}

async fn start_session(app: &AppState, user: User) -> Result<Response, ApiError> {
    let secret = generate_secret();
    let created_at = Timestamp::now();
    let lifetime = SignedDuration::try_from(app.settings.session_ttl).map_err(ApiError::internal)?;
    let expires_at = created_at.checked_add(lifetime).map_err(ApiError::internal)?;
    let session = Session { id: SessionId::new(), user_id: user.id, secret_sha256: secret_digest(&secret), created_at, expires_at };
    let draft = EntryDraft::new(user.id.subject(), action::SESSION_STARTED)
        .subject(session.id.subject())
        .subject(user.id.subject())
        .payload(json!({ "login": user.login, "expires_at": format_time(expires_at) }));
    app.ledger.record(draft, vec![Mutation::CreateSession(session)]).await?;
    let body = SignedIn { user: UserView::from(&user), csrf_token: csrf_token(&secret), session_expires_at: format_time(expires_at) };
    let cookie = auth::session_cookie(&secret, app.settings.session_ttl, app.settings.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

async fn record_failure(app: &AppState, login: &str, user_id: Option<UserId>, reason: FailureReason) -> Result<(), ApiError> {
    let mut draft = EntryDraft::new(ANONYMOUS, action::LOGIN_FAILED).payload(json!({ "login": login, "reason": reason.as_str() }));
    if let Some(user_id) = user_id {
        draft = draft.subject(user_id.subject());
    }
    app.ledger.record(draft, Vec::new()).await?;
    Ok(())
}

fn locked_out(remaining: std::time::Duration) -> ApiError {
    let minutes = remaining.as_secs().div_ceil(60).max(1);
    ApiError::TooManyAttempts {
        message: format!(
            "该登录名连续登录失败次数过多，已锁定，请 {minutes} 分钟后重试。\
             Too many failed sign-ins for this login; it is locked for {} minutes in all. Try again in {minutes} minutes, or ask an administrator.",
            LOCKOUT.as_secs() / 60
        ),
        retry_after: remaining,
    }
}

//! Signing in and out: cookies, CSRF, failures, lockout, disabled accounts,
//! expiry, and the ledger entries all of these leave.

use std::time::Duration;

use liuhen_core::mutation::action;
use liuhen_server::auth::secret_digest;
use liuhen_server::ServerSettings;
use reqwest::{Method, StatusCode};

use crate::support::{error_of, on_both_backends, set_cookie, Backend, BrowserSession, Credentials, TestServer};

on_both_backends!(
    signing_in_sets_a_protective_cookie_and_records_the_session,
    a_wrong_password_or_unknown_login_is_refused_and_recorded,
    five_failures_lock_the_login_even_against_the_right_password,
    guesses_sent_all_at_once_still_get_only_five_tries,
    a_disabled_account_cannot_sign_in,
    signing_out_needs_the_csrf_token_and_ends_the_session,
);

async fn signing_in_sets_a_protective_cookie_and_records_the_session(server: TestServer) {
    let archivist = &server.fixture.archivist;
    let response = server.sign_in_attempt(archivist.login, archivist.password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = set_cookie(&response).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain-http test servers do not mark cookies Secure: {cookie}");
    let secret = crate::support::session_cookie(&response).unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["user"]["id"], archivist.id.to_string());
    assert_eq!(body["user"]["login"], archivist.login);
    assert_eq!(body["user"]["display_name"], "测试用户 dang.an");
    assert_eq!(body["user"]["roles"], serde_json::json!(["archivist"]));
    assert!(body["user"].get("password_hash").is_none());
    let csrf_token = body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(csrf_token.len(), 64);

    let session = BrowserSession { secret: secret.clone(), csrf_token: csrf_token.clone() };
    let me: serde_json::Value = server.get("/api/v1/me", Credentials::Cookie(&session)).await.json().await.unwrap();
    assert_eq!(me["user"]["login"], archivist.login);
    assert_eq!(me["csrf_token"], csrf_token, "a reloaded page can recover its CSRF token");

    // Only the digest of the secret is stored.
    let stored = server.store.session_by_secret(&secret_digest(&secret)).await.unwrap().unwrap();
    assert_eq!(stored.user_id, archivist.id);
    let started = server.entries_for(action::SESSION_STARTED).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].entry.actor, archivist.id.subject());
    assert!(started[0].entry.subjects.contains(&stored.id.subject()));
    assert!(!started[0].payload_json.contains(&secret));
}

async fn a_wrong_password_or_unknown_login_is_refused_and_recorded(server: TestServer) {
    let officer = &server.fixture.officer;
    for (login, password) in [(officer.login, "猜的密码 guessed"), ("nobody.here", officer.password)] {
        let response = server.sign_in_attempt(login, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(set_cookie(&response).is_none());
        let message = error_of(response).await;
        assert!(message.contains("登录名或密码错误") && message.contains("The login or password is wrong"), "{message}");
    }

    let failed = server.entries_for(action::LOGIN_FAILED).await;
    assert_eq!(failed.len(), 2);
    for stored in &failed {
        assert_eq!(stored.entry.actor, "anonymous");
        assert!(!stored.payload_json.contains("guessed") && !stored.payload_json.contains(officer.password), "no password in the ledger");
    }
    let wrong_password: serde_json::Value = serde_json::from_str(&failed[0].payload_json).unwrap();
    assert_eq!(wrong_password, serde_json::json!({ "login": "zhang.wei", "reason": "wrong_password" }));
    assert_eq!(failed[0].entry.subjects, vec![officer.id.subject()]);
    let unknown_login: serde_json::Value = serde_json::from_str(&failed[1].payload_json).unwrap();
    assert_eq!(unknown_login, serde_json::json!({ "login": "nobody.here", "reason": "unknown_login" }));
    assert!(failed[1].entry.subjects.is_empty());
    assert!(server.entries_for(action::SESSION_STARTED).await.is_empty());
}

async fn five_failures_lock_the_login_even_against_the_right_password(server: TestServer) {
    let officer = &server.fixture.officer;
    for attempt in 1..=5 {
        let response = server.sign_in_attempt(officer.login, &format!("wrong-{attempt}")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let response = server.sign_in_attempt(officer.login, officer.password).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let message = error_of(response).await;
    assert!(message.contains("已锁定") && message.contains("Too many failed sign-ins"), "{message}");

    let reasons: Vec<String> = server
        .entries_for(action::LOGIN_FAILED)
        .await
        .iter()
        .map(|stored| serde_json::from_str::<serde_json::Value>(&stored.payload_json).unwrap()["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons, ["wrong_password", "wrong_password", "wrong_password", "wrong_password", "wrong_password", "locked_out"]);

    // Other logins are not affected.
    server.sign_in(&server.fixture.administrator).await;
}

async fn guesses_sent_all_at_once_still_get_only_five_tries(server: TestServer) {
    let login = server.fixture.officer.login;
    let guesses = (0..10).map(|guess| {
        let server = &server;
        async move { server.sign_in_attempt(login, &format!("guess-{guess}")).await.status() }
    });
    let mut statuses = futures::future::join_all(guesses).await;
    statuses.sort();
    let refused = statuses.iter().filter(|status| **status == StatusCode::UNAUTHORIZED).count();
    let locked = statuses.iter().filter(|status| **status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, locked), (5, 5), "{statuses:?}");
}

async fn a_disabled_account_cannot_sign_in(server: TestServer) {
    let disabled = &server.fixture.disabled;
    let response = server.sign_in_attempt(disabled.login, disabled.password).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(set_cookie(&response).is_none());
    assert!(error_of(response).await.contains("This account is disabled"));
    // Without the password, nobody learns that the account is disabled.
    let response = server.sign_in_attempt(disabled.login, "wrong").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let failed = server.entries_for(action::LOGIN_FAILED).await;
    let first: serde_json::Value = serde_json::from_str(&failed[0].payload_json).unwrap();
    assert_eq!(first["reason"], "account_disabled");
    assert_eq!(failed[0].entry.subjects, vec![disabled.id.subject()]);
}

async fn signing_out_needs_the_csrf_token_and_ends_the_session(server: TestServer) {
    let session = server.sign_in(&server.fixture.administrator).await;
    let response = server.request(Method::DELETE, "/api/v1/session", Credentials::Cookie(&session)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("X-CSRF-Token"));
    let wrong = BrowserSession { secret: session.secret.clone(), csrf_token: "0".repeat(64) };
    let response = server.request(Method::DELETE, "/api/v1/session", Credentials::CookieAndCsrf(&wrong)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/me", Credentials::Cookie(&session)).await.status(), StatusCode::OK, "still signed in");
    assert!(server.entries_for(action::SESSION_ENDED).await.is_empty());

    let response = server.request(Method::DELETE, "/api/v1/session", Credentials::CookieAndCsrf(&session)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(set_cookie(&response).unwrap().contains("Max-Age=0"), "the browser is told to forget the cookie");
    assert_eq!(server.get("/api/v1/me", Credentials::Cookie(&session)).await.status(), StatusCode::UNAUTHORIZED);

    let ended = server.entries_for(action::SESSION_ENDED).await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].entry.actor, server.fixture.administrator.id.subject());
}

async fn an_expired_session_is_refused(backend: Backend) {
    let settings =
        ServerSettings { secure_cookies: true, session_ttl: Duration::from_secs(1), uploads: None, compliance: None, exports: None };
    let server = TestServer::start_with(backend, settings).await;
    let response = server.sign_in_attempt(server.fixture.archivist.login, server.fixture.archivist.password).await;
    assert!(set_cookie(&response).unwrap().ends_with("; Secure"));
    let session = BrowserSession { secret: crate::support::session_cookie(&response).unwrap(), csrf_token: String::new() };
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = server.get("/api/v1/me", Credentials::Cookie(&session)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(error_of(response).await.contains("expired"));
}

#[tokio::test]
async fn an_expired_session_is_refused_on_sqlite() {
    an_expired_session_is_refused(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_expired_session_is_refused_on_postgres() {
    an_expired_session_is_refused(Backend::Postgres).await;
}

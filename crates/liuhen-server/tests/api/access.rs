//! Who gets in: no credentials, the wrong role, device tokens good and bad.

use reqwest::{Method, StatusCode};

use crate::support::{error_of, on_both_backends, BrowserSession, Credentials, TestServer};

on_both_backends!(
    every_protected_endpoint_refuses_a_request_without_credentials,
    no_role_reads_media_records_without_a_grant,
    a_workstation_token_reads_media_records,
    revoked_unknown_and_malformed_tokens_are_refused,
    an_unknown_session_cookie_is_refused,
);

fn protected_endpoints(server: &TestServer) -> Vec<(Method, String)> {
    let media_id = server.fixture.media[0].id;
    vec![
        (Method::GET, "/api/v1/me".to_owned()),
        (Method::DELETE, "/api/v1/session".to_owned()),
        (Method::GET, "/api/v1/media".to_owned()),
        (Method::GET, format!("/api/v1/media/{media_id}")),
        (Method::GET, "/api/v1/ledger/checkpoint".to_owned()),
        (Method::GET, "/api/v1/ledger/entries/0".to_owned()),
        (Method::GET, "/api/v1/ledger/proof?index=0".to_owned()),
        (Method::GET, "/api/v1/ledger/consistency?from=1".to_owned()),
    ]
}

async fn every_protected_endpoint_refuses_a_request_without_credentials(server: TestServer) {
    for (method, path) in protected_endpoints(&server) {
        let response = server.request(method.clone(), &path, Credentials::Nobody).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(response.headers().contains_key("www-authenticate"), "{method} {path}");
        let message = error_of(response).await;
        assert!(message.contains("Sign in first"), "{method} {path}: {message}");
    }
    // The public key is public.
    let response = server.get("/api/v1/ledger/public-key", Credentials::Nobody).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// 丰台 第二十六、二十七条: records are internal, and nobody views them
/// without approval — whatever his role. (Until this layer, back-office
/// roles read every media record.)
async fn no_role_reads_media_records_without_a_grant(server: TestServer) {
    let media_id = server.fixture.media[0].id;
    let fixture = &server.fixture;
    for account in [&fixture.officer, &fixture.archivist, &fixture.administrator, &fixture.leader] {
        let session = server.sign_in(account).await;
        let response = server.get("/api/v1/media", Credentials::Cookie(&session)).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", account.login);
        let page: serde_json::Value = response.json().await.unwrap();
        assert_eq!(page["media"], serde_json::json!([]), "{} lists nothing it may not read", account.login);

        let response = server.get(&format!("/api/v1/media/{media_id}"), Credentials::Cookie(&session)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", account.login);
        let message = error_of(response).await;
        assert!(message.contains("file an access request"), "{message}");
    }
    assert!(server.entries_for("record.read").await.is_empty(), "nothing was read, so nothing is audited");
    // Signed in all the same: the officer can see who they are and read the ledger.
    let officer = server.sign_in(&fixture.officer).await;
    assert_eq!(server.get("/api/v1/me", Credentials::Cookie(&officer)).await.status(), StatusCode::OK);
    assert_eq!(server.get("/api/v1/ledger/checkpoint", Credentials::Cookie(&officer)).await.status(), StatusCode::OK);
}

/// The records the fixture's workstation stored are its own to check.
async fn a_workstation_token_reads_media_records(server: TestServer) {
    let token = Credentials::Bearer(&server.fixture.workstation_token);
    let response = server.get("/api/v1/media", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: serde_json::Value = response.json().await.unwrap();
    assert_eq!(page["media"].as_array().unwrap().len(), server.fixture.media.len());
    let reads = server.entries_for("record.read").await;
    assert_eq!(reads.len(), 1, "the page is one audited read");
    assert_eq!(reads[0].entry.actor, server.fixture.workstation.subject());

    let me: serde_json::Value = server.get("/api/v1/me", token).await.json().await.unwrap();
    assert_eq!(me["device"]["id"], server.fixture.workstation.to_string());

    // A bearer request needs no CSRF token; it is refused here only because
    // a token has no session to end.
    let response = server.request(Method::DELETE, "/api/v1/session", token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("no session to end"));
}

async fn revoked_unknown_and_malformed_tokens_are_refused(server: TestServer) {
    let response = server.get("/api/v1/media", Credentials::Bearer(&server.fixture.revoked_token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(error_of(response).await.contains("revoked"));

    let unknown = liuhen_server::auth::generate_secret();
    let response = server.get("/api/v1/media", Credentials::Bearer(&unknown)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(error_of(response).await.contains("not known"));

    let response = server
        .request(Method::GET, "/api/v1/media", Credentials::Nobody)
        .header("authorization", format!("Basic {}", server.fixture.workstation_token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(error_of(response).await.contains("Bearer <token>"));
}

async fn an_unknown_session_cookie_is_refused(server: TestServer) {
    let forged = BrowserSession { secret: liuhen_server::auth::generate_secret(), csrf_token: String::new() };
    let response = server.get("/api/v1/me", Credentials::Cookie(&forged)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(error_of(response).await.contains("sign in again"));
}

//! `GET /healthz` and what the server says about paths it does not have.

use reqwest::StatusCode;

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(health_reports_the_ledger_size_and_backend_without_credentials, unknown_paths_get_a_json_404);

async fn health_reports_the_ledger_size_and_backend_without_credentials(server: TestServer) {
    let response = server.get("/healthz", Credentials::Nobody).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["ledger_size"], server.store.ledger_size().await.unwrap());
    let expected_backend = match server.store.backend() {
        liuhen_store::Backend::Sqlite => "sqlite",
        liuhen_store::Backend::Postgres => "postgres",
    };
    assert_eq!(body["backend"], expected_backend);
}

async fn unknown_paths_get_a_json_404(server: TestServer) {
    let response = server.get("/api/v1/nothing-here", Credentials::Nobody).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(error_of(response).await.contains("/api/v1/nothing-here"));
}

//! Media records: listing, paging, reading one, and the mistakes a client
//! can make. Who may read them, and the audit of each read, are in
//! `custody`.

use liuhen_core::id::MediaId;
use reqwest::StatusCode;

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(
    a_grant_holder_lists_media_records_in_arrival_order,
    media_records_come_in_pages,
    one_media_record_is_read_by_id,
    bad_ids_and_limits_get_a_sentence,
);

fn every_fixture_record(server: &TestServer) -> serde_json::Value {
    server.fixture.media.iter().map(|media| serde_json::json!({ "kind": "media", "id": media.id })).collect()
}

async fn a_grant_holder_lists_media_records_in_arrival_order(server: TestServer) {
    server.grant(&server.fixture.archivist, every_fixture_record(&server), "audit", "view", None).await;
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let response = server.get("/api/v1/media", Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: serde_json::Value = response.json().await.unwrap();
    let listed = page["media"].as_array().unwrap();
    let ids: Vec<String> = listed.iter().map(|record| record["id"].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = server.fixture.media.iter().map(|record| record.id.to_string()).collect();
    assert_eq!(ids, expected);
    assert_eq!(page["next_after"], serde_json::Value::Null);

    let first = &server.fixture.media[0];
    let shown = &listed[0];
    assert_eq!(shown["sha256"], first.sha256.to_hex());
    assert_eq!(shown["sm3"], first.sm3.to_hex());
    assert_eq!(shown["size"], first.size);
    assert_eq!(shown["original_name"], "20261123_083000_执法记录.mp4");
    assert_eq!(shown["stored_by"], server.fixture.workstation.subject());
    assert_eq!(shown["source_device"], server.fixture.workstation.to_string());
    let stored_at: jiff::Timestamp = shown["stored_at"].as_str().unwrap().parse().expect("stored_at is RFC 3339");
    assert_eq!(stored_at.as_microsecond(), first.stored_at.as_microsecond());
    assert_eq!(shown["disposed_at"], serde_json::Value::Null);
}

/// Paged as the workstation that stored them all.
async fn media_records_come_in_pages(server: TestServer) {
    let workstation = Credentials::Bearer(&server.fixture.workstation_token);
    let first: serde_json::Value = server.get("/api/v1/media?limit=2", workstation).await.json().await.unwrap();
    assert_eq!(first["media"].as_array().unwrap().len(), 2);
    let next_after = first["next_after"].as_str().unwrap();
    assert_eq!(next_after, server.fixture.media[1].id.to_string());

    let second: serde_json::Value =
        server.get(&format!("/api/v1/media?limit=2&after={next_after}"), workstation).await.json().await.unwrap();
    let rest = second["media"].as_array().unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["id"], server.fixture.media[2].id.to_string());
    assert_eq!(second["next_after"], serde_json::Value::Null);
}

async fn one_media_record_is_read_by_id(server: TestServer) {
    let wanted = &server.fixture.media[1];
    server.grant(&server.fixture.archivist, serde_json::json!([{ "kind": "media", "id": wanted.id }]), "audit", "view", None).await;
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let response = server.get(&format!("/api/v1/media/{}", wanted.id), Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let shown: serde_json::Value = response.json().await.unwrap();
    assert_eq!(shown["id"], wanted.id.to_string());
    assert_eq!(shown["sha256"], wanted.sha256.to_hex());

    let missing = MediaId::new();
    let response = server.get(&format!("/api/v1/media/{missing}"), Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(error_of(response).await.contains(&missing.to_string()));
}

async fn bad_ids_and_limits_get_a_sentence(server: TestServer) {
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let response = server.get("/api/v1/media/not-a-uuid", Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("`not-a-uuid` is not a valid MediaId"));

    for limit in ["0", "501", "many"] {
        let response = server.get(&format!("/api/v1/media?limit={limit}"), Credentials::Cookie(&archivist)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "limit={limit}");
        assert!(error_of(response).await.contains("from 1 to 500"));
    }
    let response = server.get("/api/v1/media?limit=500", Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::OK);

    let response = server.get("/api/v1/media?after=yesterday", Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("`yesterday` is not a valid MediaId"));
}

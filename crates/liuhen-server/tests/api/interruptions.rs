//! Interruptions (录像中断) and their explanations (丰台 第十八条): listed
//! for those who may read both recordings, audited; explained once, by the
//! officer who held the camera or a unit leader.

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entry::EntryDraft;
use liuhen_core::mutation::{action, Mutation};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{error_of, get_as, on_both_backends, post, TestServer};

on_both_backends!(an_interruption_is_listed_to_its_officer_and_explained_once);

async fn an_interruption_is_listed_to_its_officer_and_explained_once(server: TestServer) {
    let fixture = &server.fixture;
    let zhang = &fixture.officer;
    let now = Timestamp::now();
    // Two videos from one camera, three minutes apart: one activity, interrupted.
    let first = server.add_recording(&fixture.media[0], fixture.officers[0], now - SignedDuration::from_mins(30)).await;
    let mut second = first.clone();
    second.media_id = fixture.media[1].id;
    second.corrected_start = Some(now - SignedDuration::from_mins(27));
    second.corrected_end = Some(now - SignedDuration::from_mins(20));
    let draft = EntryDraft::new(fixture.workstation.subject(), action::RECORDING_INGESTED).subject(second.media_id.subject());
    server.state.ledger.record(draft, vec![Mutation::CreateRecording(Box::new(second.clone()))]).await.unwrap();

    let listed: Value = get_as(&server, "/api/v1/interruptions?explained=false", zhang).await.json().await.unwrap();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let gap = &listed[0];
    assert_eq!(
        (gap["before"].as_str().unwrap(), gap["after"].as_str().unwrap()),
        (first.media_id.to_string().as_str(), second.media_id.to_string().as_str())
    );
    assert_eq!(gap["gap_seconds"], json!(180.0));
    assert_eq!(gap["officer_name"], json!("张伟"));
    assert!(gap["explanation"].is_null());
    // The listing is a read of both records, audited once.
    let reads = server.entries_for("record.read").await;
    assert_eq!(reads.len(), 1);
    // Someone without a basis sees nothing, and reads nothing.
    let chen = &fixture.other_officer;
    let hidden: Value = get_as(&server, "/api/v1/interruptions", chen).await.json().await.unwrap();
    assert_eq!(hidden, json!([]));
    assert_eq!(server.entries_for("record.read").await.len(), 1);

    let body = |text: &str| json!({ "before": first.media_id.to_string(), "after": second.media_id.to_string(), "explanation": text });
    let response = post(&server, "/api/v1/interruptions/explanations", chen, &body("电池耗尽，更换电池后继续录像")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "not his camera");
    let response = post(&server, "/api/v1/interruptions/explanations", zhang, &body("停")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("说明过短"));
    let response =
        post(&server, "/api/v1/interruptions/explanations", zhang, &json!({ "before": "x", "after": "y", "explanation": "电池耗尽了" }))
            .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post(&server, "/api/v1/interruptions/explanations", zhang, &body("电池耗尽，更换电池后继续录像")).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", error_of(response).await);
    let response = post(&server, "/api/v1/interruptions/explanations", zhang, &body("另一个说法")).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "explanations are kept as written");
    assert_eq!(server.entries_for("interruption.explained").await.len(), 1);

    let waiting: Value = get_as(&server, "/api/v1/interruptions?explained=false", zhang).await.json().await.unwrap();
    assert_eq!(waiting, json!([]));
    let explained: Value = get_as(&server, "/api/v1/interruptions?explained=true", zhang).await.json().await.unwrap();
    assert_eq!(explained[0]["explanation"]["text"], json!("电池耗尽，更换电池后继续录像"));
}

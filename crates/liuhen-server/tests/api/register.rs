//! The offload register (`GET /api/v1/register/offload[.csv]`) and the
//! uploads in progress (`GET /api/v1/uploads`): who may read them, that
//! the register says what was ingested, and that listing it is audited.

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entry::EntryDraft;
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::Recording;
use liuhen_server::{ServerSettings, UploadSettings};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::{get_as, on_both_backends, Account, Backend, BrowserSession, Credentials, TestServer};

on_both_backends!(
    the_new_endpoints_refuse_whoever_may_not_read_them,
    an_officer_reads_only_his_own_register_rows,
    the_register_says_what_was_ingested_and_its_listing_is_audited,
    the_csv_register_has_its_header_row,
);

const ENDPOINTS: [&str; 4] =
    ["/api/v1/register/offload", "/api/v1/register/offload.csv", "/api/v1/register/offload?format=csv", "/api/v1/uploads"];

async fn the_new_endpoints_refuse_whoever_may_not_read_them(server: TestServer) {
    let fixture = &server.fixture;
    let archivist = server.sign_in(&fixture.archivist).await;
    for path in ENDPOINTS {
        assert_eq!(server.get(path, Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED, "{path} without credentials");
        let response = server.get(path, Credentials::Cookie(&archivist)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} for an archivist");
        let response = server.get(path, Credentials::Bearer(&fixture.workstation_token)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} for a workstation token");
    }
    assert!(server.entries_for(action::RECORD_READ).await.is_empty(), "a refused listing reads nothing");
}

/// 张伟 and 李娜 each recorded one file, ending on 2026-11-23 and
/// 2026-11-24 (China time), and 李娜's second was offloaded 30 hours late.
async fn ingest(server: &TestServer) -> Vec<Recording> {
    let fixture = &server.fixture;
    let first_end: Timestamp = "2026-11-23T09:00:00+08:00".parse().unwrap();
    let second_end: Timestamp = "2026-11-24T10:00:00+08:00".parse().unwrap();
    let zhang = server.add_recording(&fixture.media[0], fixture.officers[0], first_end).await;
    let li = server.add_recording(&fixture.media[1], fixture.officers[1], second_end).await;
    // Offloaded late: on the same camera as 李娜's first, 30 hours after it ended.
    let late_end = second_end + SignedDuration::from_hours(1);
    let late = Recording {
        media_id: fixture.media[2].id,
        path_on_device: "DCIM/100MEDIA/late.mp4".to_owned(),
        corrected_start: Some(late_end - SignedDuration::from_mins(5)),
        corrected_end: Some(late_end),
        ingested_at: late_end + SignedDuration::from_hours(30),
        ..li.clone()
    };
    let draft = EntryDraft::new(fixture.workstation.subject(), action::RECORDING_INGESTED).subject(late.media_id.subject());
    server.state.ledger.record(draft, vec![Mutation::CreateRecording(Box::new(late.clone()))]).await.unwrap();
    vec![zhang, li, late]
}

async fn rows(server: &TestServer, path: &str, account: &Account) -> Vec<Value> {
    let response = get_as(server, path, account).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn an_officer_reads_only_his_own_register_rows(server: TestServer) {
    let recordings = ingest(&server).await;
    let fixture = &server.fixture;
    let zhang = rows(&server, "/api/v1/register/offload", &fixture.officer).await;
    assert_eq!(zhang.len(), 1, "张伟 sees his one file: {zhang:?}");
    assert_eq!(zhang[0]["media_id"], recordings[0].media_id.to_string());
    assert_eq!(zhang[0]["officer_name"], "张伟");
    let li = rows(&server, "/api/v1/register/offload", &fixture.second_officer).await;
    let mut li_media: Vec<&str> = li.iter().map(|row| row["media_id"].as_str().unwrap()).collect();
    li_media.sort_unstable();
    let mut expected = [recordings[1].media_id.to_string(), recordings[2].media_id.to_string()];
    expected.sort_unstable();
    assert_eq!(li_media, expected, "李娜 sees her two files and not 张伟's");
    assert!(rows(&server, "/api/v1/register/offload", &fixture.other_officer).await.is_empty(), "陈杰 recorded nothing");
    assert_eq!(rows(&server, "/api/v1/register/offload", &fixture.leader).await.len(), 3, "the unit leader sees every row");
    assert_eq!(rows(&server, "/api/v1/register/offload", &fixture.administrator).await.len(), 3, "so does an administrator");
}

async fn the_register_says_what_was_ingested_and_its_listing_is_audited(server: TestServer) {
    let recordings = ingest(&server).await;
    let fixture = &server.fixture;
    let all = rows(&server, "/api/v1/register/offload", &fixture.leader).await;
    // Ordered by when each started.
    let listed: Vec<&str> = all.iter().map(|row| row["media_id"].as_str().unwrap()).collect();
    let ingested: Vec<String> = recordings.iter().map(|recording| recording.media_id.to_string()).collect();
    assert_eq!(listed, ingested);
    let first = &all[0];
    assert_eq!(first["officer_name"], "张伟");
    assert_eq!(first["certificate_no"], "闽Z0203001");
    assert_eq!(first["badge_no"], "0203001");
    assert_eq!(first["device"], format!("JLY-{}", fixture.media[0].id));
    assert_eq!(first["workstation"], "CJZ-0001");
    assert_eq!(first["file"], "DCIM/100MEDIA/20261123_083000_执法记录.mp4");
    assert_eq!(first["date"], "2026-11-23");
    assert_eq!(first["period"], "08:50:00–09:00:00");
    assert_eq!(first["playback"]["status"], "ok");
    assert_eq!(first["sha256"], fixture.media[0].sha256.to_hex());
    assert_eq!(first["ingested_at"], "2026-11-23T02:00:00Z", "an hour after it ended");
    assert!(first["late_by_ms"].is_null(), "offloaded within 24 hours");
    assert_eq!(all[2]["late_by_ms"], 30 * 3_600_000, "the late file says by how much");

    // The listing is one audited read naming every record it showed.
    let reads = server.entries_for(action::RECORD_READ).await;
    assert_eq!(reads.len(), 1);
    let payload: Value = serde_json::from_str(&reads[0].payload_json).unwrap();
    assert_eq!(payload["kind"], "offload_register");
    assert_eq!(payload["count"], 3);
    for recording in &recordings {
        assert!(reads[0].entry.subjects.contains(&recording.media_id.subject()), "the read names {}", recording.media_id);
    }

    // A day range selects on when a recording started, the last day whole.
    let day = rows(&server, "/api/v1/register/offload?from=2026-11-24&to=2026-11-24", &fixture.leader).await;
    assert_eq!(day.len(), 2);
    assert!(day.iter().all(|row| row["officer_name"] == "李娜"));
    let response = get_as(&server, "/api/v1/register/offload?from=24/11/2026", &fixture.leader).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a date the register cannot read is refused");
    // An empty listing reads nothing.
    assert!(rows(&server, "/api/v1/register/offload?from=2027-01-01", &fixture.leader).await.is_empty());
    assert_eq!(server.entries_for(action::RECORD_READ).await.len(), 2, "one more read for the day range, none for the empty one");
}

async fn the_csv_register_has_its_header_row(server: TestServer) {
    ingest(&server).await;
    for path in ["/api/v1/register/offload.csv", "/api/v1/register/offload?format=csv"] {
        let response = get_as(&server, path, &server.fixture.second_officer).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let text = response.text().await.unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap().strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheet programs");
        assert!(header.starts_with("序号,姓名,执法证号,执法编号,设备编号"), "{header}");
        let body: Vec<&str> = lines.collect();
        assert_eq!(body.len(), 2, "李娜's two files, one line each: {text}");
        assert!(body.iter().all(|line| line.contains("李娜") && line.contains("闽Z0203002")), "{text}");
        assert!(body.iter().any(|line| line.contains("30 h 0 min")), "the late one says by how much: {text}");
    }
    let response = get_as(&server, "/api/v1/register/offload?format=xml", &server.fixture.leader).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

on_both_backends!(with with_uploads: uploads_in_progress_show_how_far_they_have_come);

/// Runs `test` on a server with uploads turned on, in a folder of the
/// test's own (handed to the test too).
async fn with_uploads<F: std::future::Future<Output = ()>>(backend: Backend, test: impl FnOnce(TestServer, std::path::PathBuf) -> F) {
    let folder = tempfile::tempdir().unwrap();
    let uploads = folder.path().join("uploads");
    let collect = liuhen_collect::CollectSettings { camera_offset: jiff::tz::offset(8), scratch: folder.path().join("tmp") };
    let settings = ServerSettings {
        secure_cookies: false,
        session_ttl: std::time::Duration::from_secs(3600),
        uploads: Some(UploadSettings::new(uploads.clone(), collect)),
        compliance: None,
        exports: None,
    };
    test(TestServer::start_with(backend, settings).await, uploads).await;
}

async fn uploads_in_progress_show_how_far_they_have_come(server: TestServer, folder: std::path::PathBuf) {
    let fixture = &server.fixture;
    let leader = server.sign_in(&fixture.leader).await;
    assert!(listed(&server, &leader).await.is_empty(), "nothing is arriving before the first upload");

    let token = Credentials::Bearer(&fixture.workstation_token);
    let created = server
        .request(Method::POST, "/api/v1/uploads", token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "1000")
        // filename DSJ_0001_35020011.MP4, device DSJ-A8-0001
        .header("upload-metadata", "filename RFNKXzAwMDFfMzUwMjAwMTEuTVA0,device RFNKLUE4LTAwMDE=")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let patched = server
        .request(Method::PATCH, &location, token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(vec![7u8; 400])
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);

    let officer = server.sign_in(&fixture.officer).await;
    for session in [&leader, &officer] {
        let uploads = listed(&server, session).await;
        assert_eq!(uploads.len(), 1, "{uploads:?}");
        let upload = &uploads[0];
        assert_eq!(location, format!("/api/v1/uploads/{}", upload["id"].as_str().unwrap()));
        assert_eq!(upload["workstation"], "CJZ-0001");
        assert_eq!(upload["workstation_id"], fixture.workstation.to_string());
        assert_eq!(upload["file_name"], "DSJ_0001_35020011.MP4");
        assert_eq!(upload["camera"], "DSJ-A8-0001");
        assert_eq!((upload["received"].as_u64(), upload["length"].as_u64()), (Some(400), Some(1000)));
        assert_eq!(upload["complete"], false);
        let started: Timestamp = upload["started_at"].as_str().unwrap().parse().unwrap();
        let last: Timestamp = upload["last_activity"].as_str().unwrap().parse().unwrap();
        assert!(last >= started, "bytes arrive after the upload began");
    }

    // Abandoned, it is no longer in progress.
    let deleted = server.request(Method::DELETE, &location, token).header("tus-resumable", "1.0.0").send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(listed(&server, &leader).await.is_empty());
    assert!(std::fs::read_dir(&folder).unwrap().all(|entry| !entry.unwrap().file_name().to_string_lossy().ends_with(".json")));
}

async fn listed(server: &TestServer, session: &BrowserSession) -> Vec<Value> {
    let response = server.get("/api/v1/uploads", Credentials::Cookie(session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

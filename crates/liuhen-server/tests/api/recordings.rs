//! The register of AV records (`GET /api/v1/recordings`, `…/{media}`):
//! its filters, its pages, who sees which record, the one audit entry per
//! page, and the sentences bad parameters get.

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entry::EntryDraft;
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{ClockOffset, OffsetMethod, Playback, Recording};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{entries_about, error_of, get_as, media_target, on_both_backends, post, Credentials, TestServer};

on_both_backends!(the_register_filters_what_each_person_may_read, bad_parameters_are_named, one_record_is_shown_and_audited);

/// Three recordings: 张伟's on time and linked to a case, 张伟's late and
/// unplayable on the same camera, and 李娜's on a camera of her own.
struct Scene {
    on_time: Recording,
    late: Recording,
    hers: Recording,
    serial: String,
    case_number: &'static str,
}

async fn scene(server: &TestServer) -> Scene {
    let fixture = &server.fixture;
    let now = Timestamp::now();
    let on_time = server.add_recording(&fixture.media[0], fixture.officers[0], now - SignedDuration::from_hours(120)).await;
    let mut late = on_time.clone();
    late.media_id = fixture.media[1].id;
    late.corrected_start = Some(now - SignedDuration::from_hours(50));
    late.corrected_end = Some(now - SignedDuration::from_hours(49));
    late.raw_start = Some(now - SignedDuration::from_hours(50) + SignedDuration::from_secs(4));
    late.clock_offset = Some(ClockOffset { millis: 4_000, method: OffsetMethod::ReportedClock });
    late.ingested_at = now - SignedDuration::from_hours(2);
    late.playback = Playback::Failed { detail: "moov atom not found".into() };
    let draft = EntryDraft::new(fixture.workstation.subject(), action::RECORDING_INGESTED).subject(late.media_id.subject());
    server.state.ledger.record(draft, vec![Mutation::CreateRecording(Box::new(late.clone()))]).await.unwrap();
    let hers = server.add_recording(&fixture.media[2], fixture.officers[1], now - SignedDuration::from_hours(3)).await;

    // 张伟 opens a case and links his first recording to its investigation.
    let case_number = "思城管罚〔2026〕9号";
    let body = json!({
        "act_kind": "penalty", "source": "patrol", "matter": "占道经营", "number": case_number,
        "lead": "0203001", "handlers": ["0203002"],
        "parties": [{ "kind": "person", "name": "王五" }],
    });
    let response = post(server, "/api/v1/cases", &fixture.officer, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", error_of(response).await);
    for stage in ["intake", "filing", "investigation"] {
        let body = json!({ "stage": stage, "emergency": stage == "filing" });
        let response = post(server, &format!("/api/v1/cases/{case_number}/stages"), &fixture.officer, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{stage}");
    }
    let link = json!({ "media": on_time.media_id, "stage": "investigation", "item": "on_site_inspection", "location": "中山路", "label": "现场检查" });
    let response = post(server, &format!("/api/v1/cases/{case_number}/links"), &fixture.officer, &link).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", error_of(response).await);
    let devices = server.store.devices().await.unwrap();
    let serial = devices.iter().find(|device| device.id == on_time.device_id).unwrap().serial.clone();
    Scene { on_time, late, hers, serial, case_number }
}

/// The media ids a listing shows, in its order.
async fn listed(server: &TestServer, path: &str, account: &crate::support::Account) -> Vec<String> {
    let response = get_as(server, path, account).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let page: Value = response.json().await.unwrap();
    page["recordings"].as_array().unwrap().iter().map(|row| row["media_id"].as_str().unwrap().to_owned()).collect()
}

async fn the_register_filters_what_each_person_may_read(server: TestServer) {
    let scene = scene(&server).await;
    let fixture = &server.fixture;
    let zhang = &fixture.officer;
    let (on_time, late, hers) = (scene.on_time.media_id.to_string(), scene.late.media_id.to_string(), scene.hers.media_id.to_string());
    let reads_before = server.entries_for("record.read").await.len();

    // An officer sees his own recordings, newest first, and nobody else's.
    let page: Value = get_as(&server, "/api/v1/recordings", zhang).await.json().await.unwrap();
    let rows = page["recordings"].as_array().unwrap();
    assert_eq!(rows.iter().map(|row| row["media_id"].as_str().unwrap()).collect::<Vec<_>>(), [late.as_str(), on_time.as_str()]);
    assert_eq!(page["offload_deadline_hours"], json!(24.0));
    assert_eq!(page["next_offset"], Value::Null);
    let (late_row, linked_row) = (&rows[0], &rows[1]);
    assert_eq!(late_row["officer_name"], "张伟");
    assert_eq!(late_row["device_serial"], json!(scene.serial));
    assert_eq!(late_row["late"], true, "offloaded 47 hours after it ended");
    assert_eq!(late_row["offload_delay_seconds"], json!(47.0 * 3600.0));
    assert_eq!(late_row["playback"], json!({ "status": "failed", "detail": "moov atom not found" }));
    assert_eq!(late_row["links"], json!([]));
    assert_eq!(linked_row["late"], false);
    assert_eq!(linked_row["links"][0]["case_number"], scene.case_number);
    assert_eq!(linked_row["links"][0]["stage"], "investigation");
    assert_eq!(linked_row["sha256"], json!(fixture.media[0].sha256.to_hex()));
    assert_eq!(linked_row["file_name"], "20261123_083000_执法记录.mp4");

    // The page was one read naming both records, as `GET /api/v1/media` writes it.
    let reads = server.entries_for("record.read").await;
    assert_eq!(reads.len(), reads_before + 1, "one entry per page");
    let entry = &reads.last().unwrap().entry;
    assert_eq!(entry.actor, zhang.id.subject());
    for media in [&scene.late, &scene.on_time] {
        assert!(entry.subjects.contains(&media.media_id.subject()), "the entry names {}", media.media_id);
    }
    assert!(!entry.subjects.contains(&scene.hers.media_id.subject()), "what was not shown was not read");

    // Each filter narrows the list.
    assert_eq!(listed(&server, "/api/v1/recordings?linked=no", zhang).await, std::slice::from_ref(&late));
    assert_eq!(listed(&server, "/api/v1/recordings?linked=yes", zhang).await, std::slice::from_ref(&on_time));
    assert_eq!(listed(&server, "/api/v1/recordings?late=yes", zhang).await, std::slice::from_ref(&late));
    assert_eq!(listed(&server, "/api/v1/recordings?late=no", zhang).await, std::slice::from_ref(&on_time));
    assert_eq!(listed(&server, "/api/v1/recordings?playback=failed", zhang).await, std::slice::from_ref(&late));
    assert_eq!(listed(&server, &format!("/api/v1/recordings?device={}", scene.serial), zhang).await, [late.clone(), on_time.clone()]);
    assert_eq!(listed(&server, "/api/v1/recordings?officer=0203002", zhang).await, Vec::<String>::new(), "李娜's are not his");
    assert_eq!(listed(&server, "/api/v1/recordings?officer=0203001&linked=&late=", zhang).await, [late.clone(), on_time.clone()]);
    let day = |hours: i64| {
        (Timestamp::now() - SignedDuration::from_hours(hours)).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date().to_string()
    };
    // The day 50 hours ago began at most 74 hours ago, after the linked one started.
    let recent = format!("/api/v1/recordings?from={}&to={}", day(50), day(0));
    assert_eq!(listed(&server, &recent, zhang).await, std::slice::from_ref(&late), "the other started 120 hours ago");
    let older = format!("/api/v1/recordings?to={}", day(100));
    assert_eq!(listed(&server, &older, zhang).await, std::slice::from_ref(&on_time), "`to` takes in the whole day");
    assert_eq!(listed(&server, "/api/v1/recordings?limit=1", zhang).await, std::slice::from_ref(&late));
    let second: Value = get_as(&server, "/api/v1/recordings?limit=1&offset=1", zhang).await.json().await.unwrap();
    assert_eq!(second["recordings"][0]["media_id"], json!(on_time));
    assert_eq!(second["next_offset"], Value::Null);
    let first: Value = get_as(&server, "/api/v1/recordings?limit=1", zhang).await.json().await.unwrap();
    assert_eq!(first["next_offset"], json!(1));

    // 李娜 sees hers, and 张伟's clip linked to the case she handles, not
    // his unlinked one; 陈杰 has none and reads nothing.
    assert_eq!(listed(&server, "/api/v1/recordings", &fixture.second_officer).await, [hers.clone(), on_time.clone()]);
    let reads_before = server.entries_for("record.read").await.len();
    assert_eq!(listed(&server, "/api/v1/recordings", &fixture.other_officer).await, Vec::<String>::new());
    assert_eq!(server.entries_for("record.read").await.len(), reads_before, "an empty page is no read");

    // A grant opens exactly the record it covers, and the entry names it.
    let grant = server.grant(&fixture.other_officer, media_target(scene.late.media_id), "reconsideration", "view", None).await;
    assert_eq!(listed(&server, "/api/v1/recordings", &fixture.other_officer).await, std::slice::from_ref(&late));
    let reads = server.entries_for("record.read").await;
    let entry = &reads.last().unwrap().entry;
    assert!(entry.subjects.iter().any(|subject| subject.ends_with(&grant)), "the grant relied on is named: {:?}", entry.subjects);

    // Nobody signed in is refused.
    let response = server.get("/api/v1/recordings", Credentials::Nobody).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

async fn bad_parameters_are_named(server: TestServer) {
    scene(&server).await;
    let zhang = &server.fixture.officer;
    for (query, named) in [
        ("linked=maybe", "`linked` is yes or no"),
        ("late=sometimes", "`late` is yes or no"),
        ("playback=broken", "`playback` is failed, ok or not_applicable"),
        ("device=NO-SUCH-CAMERA", "No device has the serial `NO-SUCH-CAMERA`"),
        ("officer=9999999", "No officer has the badge number `9999999`"),
        ("from=2026-13-01", "`from` is a day"),
        ("from=2026-12-02&to=2026-12-01", "`from` is after `to`"),
        ("limit=0", "`limit` is a whole number from 1 to 500"),
        ("limit=501", "`limit` is a whole number from 1 to 500"),
        ("offset=-1", "`offset` is a whole number"),
        ("colour=red", "the query string cannot be read"),
    ] {
        let response = get_as(&server, &format!("/api/v1/recordings?{query}"), zhang).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let sentence = error_of(response).await;
        assert!(sentence.contains(named), "{query}: {sentence}");
    }
    let response = get_as(&server, "/api/v1/recordings/not-an-id", zhang).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

async fn one_record_is_shown_and_audited(server: TestServer) {
    let scene = scene(&server).await;
    let fixture = &server.fixture;
    let path = format!("/api/v1/recordings/{}", scene.late.media_id);
    let response = get_as(&server, &path, &fixture.officer).await;
    assert_eq!(response.status(), StatusCode::OK);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["sm3"], json!(fixture.media[1].sm3.to_hex()));
    assert_eq!(view["size"], json!(fixture.media[1].size));
    assert_eq!(view["clock_offset_ms"], 4_000);
    assert_eq!(view["raw_start"], json!(liuhen_core::entry::format_time(scene.late.raw_start.unwrap())));
    assert_eq!(view["corrected_end"], json!(liuhen_core::entry::format_time(scene.late.corrected_end.unwrap())));
    assert_eq!(view["duration_seconds"], json!(3600.0), "from the corrected times when the probe has none");
    let reads = entries_about(&server, scene.late.media_id, "record.read").await;
    assert_eq!(reads.last().unwrap().1["kind"], "metadata");

    // Someone without a basis is refused with the reason, and reads nothing.
    let before = entries_about(&server, scene.late.media_id, "record.read").await.len();
    let response = get_as(&server, &path, &fixture.other_officer).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("调阅"), "the refusal says an access request is the way");
    assert_eq!(entries_about(&server, scene.late.media_id, "record.read").await.len(), before);
    // A stored file that was never offloaded from a camera is no AV record.
    let loose = server.store_file("说明.txt", b"not a recording").await;
    let response = get_as(&server, &format!("/api/v1/recordings/{}", loose.id), &fixture.officer).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

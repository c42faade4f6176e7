//! Every read of a record is audited (丰台 第二十七条; 叶县 第十六条): a
//! metadata view, a viewing session with its range requests, a download;
//! an officer sees his own recordings, everyone else needs a grant in its
//! period for the mode asked (view or copy).

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::MediaRecord;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{AccessRequestId, DisposalId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::retention::{DisposalApproval, DisposalList, Tombstone};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{
    entries_about, error_of, get_as, media_target, on_both_backends, open_viewing, patterned, ranged, Credentials, TestServer,
};

on_both_backends!(
    fengtai_art27_a_grant_whose_period_has_passed_grants_nothing,
    each_metadata_view_is_one_audit_entry_naming_its_grant,
    a_viewing_serves_ranges_and_is_audited_once,
    a_view_grant_cannot_download_and_a_copy_grant_can,
    an_officer_streams_his_own_recording_without_a_grant,
    a_disposed_record_is_gone,
    a_workstation_reads_what_it_stored_and_is_audited,
);

/// A larger range response than this is cut (the server's `MAX_RANGE`).
const MAX_RANGE: usize = 8 << 20;

/// 丰台 第二十七条: access is granted for a period; before it begins and
/// after it ends the grant allows nothing.
async fn fengtai_art27_a_grant_whose_period_has_passed_grants_nothing(server: TestServer) {
    let fixture = &server.fixture;
    let media = fixture.media[0].id;
    let chen = &fixture.other_officer;
    let now = Timestamp::now();
    let past = (now - SignedDuration::from_hours(24 * 10), now - SignedDuration::from_hours(24 * 3));
    let future = (now + SignedDuration::from_hours(24), now + SignedDuration::from_hours(24 * 3));
    server.grant(chen, media_target(media), "reconsideration", "copy", Some(past)).await;
    server.grant(chen, media_target(media), "reconsideration", "copy", Some(future)).await;
    let listed: Value = get_as(&server, "/api/v1/access-requests", chen).await.json().await.unwrap();
    let states: Vec<&str> = listed.as_array().unwrap().iter().map(|file| file["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["expired", "not_yet"]);

    let session = server.sign_in(chen).await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/media/{media}")),
        (Method::POST, format!("/api/v1/media/{media}/viewings")),
        (Method::GET, format!("/api/v1/media/{media}/download")),
    ] {
        let response = server.request(method.clone(), &path, Credentials::CookieAndCsrf(&session)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path}");
        assert!(error_of(response).await.contains("no approved access request"));
    }
    let page: Value = server.get("/api/v1/media", Credentials::Cookie(&session)).await.json().await.unwrap();
    assert_eq!(page["media"], json!([]));
    assert!(server.entries_for("record.read").await.is_empty());

    // A grant in its period does.
    server.grant(chen, media_target(media), "reconsideration", "view", None).await;
    assert_eq!(server.get(&format!("/api/v1/media/{media}"), Credentials::Cookie(&session)).await.status(), StatusCode::OK);
}

async fn each_metadata_view_is_one_audit_entry_naming_its_grant(server: TestServer) {
    let fixture = &server.fixture;
    let media = fixture.media[0].id;
    let chen = &fixture.other_officer;
    let grant = server.grant(chen, media_target(media), "litigation", "view", None).await;
    let grant_subject = grant.parse::<AccessRequestId>().unwrap().subject();
    let session = server.sign_in(chen).await;
    for _ in 0..2 {
        let response = server.get(&format!("/api/v1/media/{media}"), Credentials::Cookie(&session)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.unwrap()["id"], media.to_string());
    }
    let reads = entries_about(&server, media, "record.read").await;
    assert_eq!(reads.len(), 2, "one entry per view");
    for (stored, payload) in &reads {
        assert_eq!(stored.entry.actor, chen.id.subject());
        assert!(stored.entry.subjects.contains(&grant_subject), "{:?}", stored.entry.subjects);
        assert_eq!(payload["kind"], "metadata");
        assert_eq!(payload["grant"], grant.as_str());
        assert_eq!(payload["purpose"], "litigation");
        assert_eq!(payload["target"], json!({ "kind": "media", "id": media }));
    }

    // A page is one entry naming every record listed, and only those.
    let page: Value = server.get("/api/v1/media", Credentials::Cookie(&session)).await.json().await.unwrap();
    let listed: Vec<&str> = page["media"].as_array().unwrap().iter().map(|record| record["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [media.to_string()]);
    let all = server.entries_for("record.read").await;
    assert_eq!(all.len(), 3);
    let list = &all[2];
    assert_eq!(list.entry.subjects, [media.subject(), grant_subject]);
    let payload: Value = serde_json::from_str(&list.payload_json).unwrap();
    assert_eq!(payload, json!({ "kind": "list", "count": 1, "grants": [grant] }));
}

/// A player seeks with range requests: each is answered from the vault,
/// none is audited on its own; the viewing is one `record.read` when it
/// opens and one `record.stream_ended` with the bytes when it ends.
async fn a_viewing_serves_ranges_and_is_audited_once(server: TestServer) {
    let fixture = &server.fixture;
    let bytes = patterned(MAX_RANGE + 300_000);
    let size = bytes.len();
    let clip = server.store_file("DSJ_JLY0001_0203001_20261123_083000.MP4", &bytes).await;
    server.add_recording(&clip, fixture.officers[0], Timestamp::now() - SignedDuration::from_hours(2)).await;
    let li = &fixture.second_officer;
    let grant = server.grant(li, media_target(clip.id), "reconsideration", "view", None).await;
    let session = server.sign_in(li).await;
    let (viewing, url, opened) = open_viewing(&server, clip.id, &session).await;
    assert_eq!(url, format!("/api/v1/viewings/{viewing}/content"));
    assert_eq!(opened["size"], size);
    assert_eq!(opened["content_type"], "video/mp4");
    assert_eq!(opened["basis"]["basis"], "grant");
    assert_eq!(opened["basis"]["request"], grant.as_str());
    let expires_at: Timestamp = opened["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires_at > Timestamp::now() + SignedDuration::from_mins(29));

    let middle = size / 2;
    // (Range, status, Content-Range, the bytes that come back)
    type Case = (Option<String>, StatusCode, Option<String>, std::ops::Range<usize>);
    let cases: Vec<Case> = vec![
        (Some("bytes=0-99".into()), StatusCode::PARTIAL_CONTENT, Some(format!("bytes 0-99/{size}")), 0..100),
        (
            Some(format!("bytes={middle}-{}", middle + 999)),
            StatusCode::PARTIAL_CONTENT,
            Some(format!("bytes {middle}-{}/{size}", middle + 999)),
            middle..middle + 1000,
        ),
        (
            Some("bytes=-100".into()),
            StatusCode::PARTIAL_CONTENT,
            Some(format!("bytes {}-{}/{size}", size - 100, size - 1)),
            size - 100..size,
        ),
        // Open-ended: the first 8 MiB, as players accept.
        (Some("bytes=0-".into()), StatusCode::PARTIAL_CONTENT, Some(format!("bytes 0-{}/{size}", MAX_RANGE - 1)), 0..MAX_RANGE),
        (None, StatusCode::OK, None, 0..size),
    ];
    let mut served = 0;
    for (range, status, content_range, expected) in cases {
        let response = ranged(&server, &url, Credentials::Cookie(&session), range.as_deref()).await;
        assert_eq!(response.status(), status, "{range:?}");
        assert_eq!(response.headers()["accept-ranges"], "bytes");
        assert_eq!(response.headers()["content-type"], "video/mp4");
        assert_eq!(response.headers().get("content-range").map(|value| value.to_str().unwrap().to_owned()), content_range, "{range:?}");
        assert_eq!(response.headers()["content-length"], expected.len().to_string().as_str());
        let body = response.bytes().await.unwrap();
        assert!(body[..] == bytes[expected.clone()], "{range:?}: the bytes of {expected:?}");
        served += expected.len();
    }
    let response = ranged(&server, &url, Credentials::Cookie(&session), Some(&format!("bytes={size}-"))).await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.headers()["content-range"], format!("bytes */{size}").as_str());
    assert!(error_of(response).await.contains(&size.to_string()));

    // Only its opener uses it, even someone who could open his own.
    let zhang = server.sign_in(&fixture.officer).await;
    assert_eq!(ranged(&server, &url, Credentials::Cookie(&zhang), Some("bytes=0-9")).await.status(), StatusCode::FORBIDDEN);

    let reads = entries_about(&server, clip.id, "record.read").await;
    assert_eq!(reads.len(), 1, "a viewing is one read, however many ranges");
    let (stored, payload) = &reads[0];
    assert_eq!(stored.entry.actor, li.id.subject());
    assert_eq!(payload["kind"], "stream");
    assert_eq!(payload["viewing"], viewing.as_str());
    assert_eq!(payload["grant"], grant.as_str());
    assert_eq!(payload["purpose"], "reconsideration");
    assert!(server.entries_for("record.stream_ended").await.is_empty());

    let close = format!("/api/v1/viewings/{viewing}");
    let response = server.request(Method::DELETE, &close, Credentials::CookieAndCsrf(&session)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let closed: Value = response.json().await.unwrap();
    assert_eq!(closed["bytes"], served);
    assert_eq!(closed["ranges"], 5, "the refused range served nothing");
    let ended = entries_about(&server, clip.id, "record.stream_ended").await;
    assert_eq!(ended.len(), 1);
    let (stored, payload) = &ended[0];
    assert_eq!(stored.entry.actor, li.id.subject());
    assert_eq!(payload, &json!({ "viewing": viewing, "bytes": served, "ranges": 5 }));
    assert_eq!(closed["ledger_index"], stored.entry.index);

    // Ended is ended.
    assert_eq!(ranged(&server, &url, Credentials::Cookie(&session), Some("bytes=0-9")).await.status(), StatusCode::NOT_FOUND);
    let response = server.request(Method::DELETE, &close, Credentials::CookieAndCsrf(&session)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(entries_about(&server, clip.id, "record.read").await.len(), 1);
    assert_eq!(server.entries_for("record.stream_ended").await.len(), 1);
}

/// 丰台 第二十七条: viewing (查阅) and copying (复制) are approved apart.
async fn a_view_grant_cannot_download_and_a_copy_grant_can(server: TestServer) {
    let fixture = &server.fixture;
    let video = video_clip();
    let clip = server.store_file("20261123_083000_执法记录.mp4", &video).await;
    let li = &fixture.second_officer;
    server.grant(li, media_target(clip.id), "litigation", "view", None).await;
    let download = format!("/api/v1/media/{}/download", clip.id);
    let response = get_as(&server, &download, li).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("allows viewing only"));
    assert!(entries_about(&server, clip.id, "record.read").await.is_empty());

    let copy = server.grant(li, media_target(clip.id), "litigation", "copy", None).await;
    let response = get_as(&server, &download, li).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    assert_eq!(response.headers()["content-length"], video.len().to_string().as_str());
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"20261123_083000_____.mp4\"; filename*=UTF-8''20261123_083000_%E6%89%A7%E6%B3%95%E8%AE%B0%E5%BD%95.mp4"
    );
    assert!(response.bytes().await.unwrap()[..] == video[..], "the stored file, whole");

    let reads = entries_about(&server, clip.id, "record.read").await;
    assert_eq!(reads.len(), 1);
    let (stored, payload) = &reads[0];
    assert_eq!(stored.entry.actor, li.id.subject());
    assert_eq!(payload["kind"], "download");
    assert_eq!(payload["bytes"], video.len());
    assert_eq!(payload["grant"], copy.as_str());
    assert_eq!(payload["purpose"], "litigation");
}

/// 丰台 第二十七条: an officer sees his own recordings without approval —
/// to view, not to copy.
async fn an_officer_streams_his_own_recording_without_a_grant(server: TestServer) {
    let fixture = &server.fixture;
    let video = video_clip();
    let clip = server.store_file("DSJ_JLY0001_0203001_20261123_083000.MP4", &video).await;
    server.add_recording(&clip, fixture.officers[0], Timestamp::now() - SignedDuration::from_hours(3)).await;
    let zhang = server.sign_in(&fixture.officer).await;

    let response = server.get(&format!("/api/v1/media/{}", clip.id), Credentials::Cookie(&zhang)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let (viewing, url, opened) = open_viewing(&server, clip.id, &zhang).await;
    assert_eq!(opened["basis"], json!({ "basis": "own" }));
    let response = ranged(&server, &url, Credentials::Cookie(&zhang), Some("bytes=0-7")).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&response.bytes().await.unwrap()[4..8], b"ftyp", "an MP4 starts with its ftyp box");
    let response = ranged(&server, &url, Credentials::Cookie(&zhang), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap()[..] == video[..]);

    let response = server.get(&format!("/api/v1/media/{}/download", clip.id), Credentials::Cookie(&zhang)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "copying his own recording still needs a grant");
    let li = server.sign_in(&fixture.second_officer).await;
    let path = format!("/api/v1/media/{}/viewings", clip.id);
    assert_eq!(server.send_json(Method::POST, &path, Credentials::CookieAndCsrf(&li), &json!({})).await.status(), StatusCode::FORBIDDEN);

    let close = format!("/api/v1/viewings/{viewing}");
    assert_eq!(server.request(Method::DELETE, &close, Credentials::CookieAndCsrf(&zhang)).send().await.unwrap().status(), StatusCode::OK);
    let reads = entries_about(&server, clip.id, "record.read").await;
    let kinds: Vec<&str> = reads.iter().map(|(_, payload)| payload["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["metadata", "stream"]);
    assert!(reads.iter().all(|(_, payload)| payload["grant"].is_null() && payload["purpose"].is_null()), "no grant was used");
    let ended = entries_about(&server, clip.id, "record.stream_ended").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1["bytes"], 8 + video.len());
}

/// Records `clip` as disposed of, the way `liuhen retention run` leaves it:
/// on an approved list, with its tombstone (the blob is left in place, so
/// what answers is the tombstone, not a missing file).
async fn dispose(server: &TestServer, clip: &MediaRecord) {
    let ledger = &server.state.ledger;
    let now = Timestamp::now();
    let list =
        DisposalList { id: DisposalId::new(), media: vec![clip.id], proposed_at: now, proposed_by: "cli:test".into(), approval: None };
    let approval = DisposalApproval {
        list: list.id,
        approver: server.fixture.leader.id,
        approver_name: "王强".into(),
        note: "同意销毁".into(),
        at: now,
    };
    let tombstone = Tombstone {
        media: clip.clone(),
        list: list.id,
        approver: server.fixture.leader.id,
        class: None,
        expired_at: now,
        disposed_at: now,
        disposed_by: "cli:test".into(),
    };
    for (name, mutation) in [
        (action::DISPOSAL_PROPOSED, Mutation::ProposeDisposal(Box::new(list.clone()))),
        (action::DISPOSAL_APPROVED, Mutation::ApproveDisposal(Box::new(approval))),
        (action::MEDIA_DISPOSED, Mutation::DisposeMedia(Box::new(tombstone))),
    ] {
        ledger.record(EntryDraft::new("cli:test", name).subject(clip.id.subject()), vec![mutation]).await.unwrap();
    }
}

async fn a_disposed_record_is_gone(server: TestServer) {
    let fixture = &server.fixture;
    let clip = server.store_file("20261123_083000_执法记录.mp4", &patterned(2048)).await;
    let li = &fixture.second_officer;
    server.grant(li, media_target(clip.id), "litigation", "copy", None).await;
    let session = server.sign_in(li).await;
    let (viewing, url, _) = open_viewing(&server, clip.id, &session).await;
    assert_eq!(ranged(&server, &url, Credentials::Cookie(&session), Some("bytes=0-9")).await.status(), StatusCode::PARTIAL_CONTENT);
    dispose(&server, &clip).await;

    // The viewing open at the time ends with what it served.
    let response = ranged(&server, &url, Credentials::Cookie(&session), Some("bytes=10-19")).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(error_of(response).await.contains("disposed of at the end of its retention"));
    let ended = entries_about(&server, clip.id, "record.stream_ended").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].1, json!({ "viewing": viewing, "bytes": 10, "ranges": 1 }));

    for (method, path) in
        [(Method::POST, format!("/api/v1/media/{}/viewings", clip.id)), (Method::GET, format!("/api/v1/media/{}/download", clip.id))]
    {
        let response = server.request(method.clone(), &path, Credentials::CookieAndCsrf(&session)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::GONE, "{method} {path}");
        assert!(error_of(response).await.contains("only its record and tombstone remain"));
    }
    // The record itself stays, and says when its file went.
    let response = server.get(&format!("/api/v1/media/{}", clip.id), Credentials::Cookie(&session)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.unwrap()["disposed_at"].is_string());
    let kinds: Vec<String> = entries_about(&server, clip.id, "record.read")
        .await
        .iter()
        .map(|(_, payload)| payload["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["stream", "metadata"], "refused reads are not audited");
}

/// A workstation checks what it uploaded (`liuhen ingest --server`), and
/// nothing else; its reads are audited like anyone's.
async fn a_workstation_reads_what_it_stored_and_is_audited(server: TestServer) {
    let fixture = &server.fixture;
    let token = Credentials::Bearer(&fixture.workstation_token);
    let elsewhere = server.store_file("20261123_100000_执法记录.mp4", &patterned(64)).await;
    let own = fixture.media[0].id;
    let response = server.get(&format!("/api/v1/media/{own}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let reads = entries_about(&server, own, "record.read").await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].0.entry.actor, fixture.workstation.subject());
    assert_eq!(reads[0].1["kind"], "metadata");
    assert!(reads[0].1["grant"].is_null());

    let response = server.get(&format!("/api/v1/media/{}", elsewhere.id), token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("did not store"));
    let page: Value = server.get("/api/v1/media", token).await.json().await.unwrap();
    let listed: Vec<&str> = page["media"].as_array().unwrap().iter().map(|record| record["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = fixture.media.iter().map(|media| media.id.to_string()).collect();
    assert_eq!(listed, expected, "the record stored elsewhere is not listed");
    // …and its content is for people.
    let viewings = format!("/api/v1/media/{own}/viewings");
    assert_eq!(server.send_json(Method::POST, &viewings, token, &json!({})).await.status(), StatusCode::FORBIDDEN);
    assert!(entries_about(&server, elsewhere.id, "record.read").await.is_empty());
}

/// A one-second H.264 MP4 made by ffmpeg.
pub(crate) fn video_clip() -> Vec<u8> {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("clip.mp4");
    let output = std::process::Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "1"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mp4"])
        .arg(&path)
        .output()
        .expect("ffmpeg is installed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(&path).unwrap()
}

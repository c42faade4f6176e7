//! Custody over the API: access requests and their approval,
//! classification marks, legal holds and retention, and who may use each
//! endpoint. The audited reads themselves are in `reads`.
//!
//! Records are internal (丰台 第二十六条); nobody views or copies them
//! without approval (丰台 第二十七条; 叶县 第十六条).

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::{OfficerRole, Role};
use liuhen_core::id::MediaId;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{
    error_of, get_as, media_target, on_both_backends, open_viewing, patterned, post, ranged, Account, Credentials, TestServer,
};

on_both_backends!(pack "xiamen-cgj":
    every_custody_endpoint_refuses_whoever_may_not_use_it,
    retention_is_listed_under_the_pack_in_force_and_audited,
);

/// `liuhen serve` keeps the blobs' Object Lock as records change: a new
/// recording gets its retain-until date, a hold placed through the API a
/// legal hold in the bucket, and a release takes it off — within seconds,
/// without anyone running `liuhen retention lock`. On moto's S3 server,
/// which keeps Object Lock; skipped without it unless
/// `LIUHEN_REQUIRE_OBJECT_LOCK=1`.
#[tokio::test(flavor = "multi_thread")]
async fn the_server_keeps_the_blobs_locked_as_records_change() {
    use liuhen_vault::object_lock::testing::LockingServer;
    let Some(moto) = LockingServer::start("the_server_keeps_the_blobs_locked_as_records_change").await else { return };
    let bucket = moto.create_bucket("evidence", true).await;
    let server = TestServer::start_with_pack_and_vault(
        crate::support::Backend::Sqlite,
        "xiamen-cgj",
        liuhen_vault::VaultLocation::S3(bucket.clone()),
    )
    .await;
    let refresher = liuhen_server::spawn_compliance_refresher(&server.state).expect("a pack is in force");
    let fixture = &server.fixture;
    let clip = server.store_file("20261123_083000_执法记录.mp4", &patterned(4096)).await;
    server.add_recording(&clip, fixture.officers[0], Timestamp::now() - SignedDuration::from_mins(30)).await;
    server.state.facts_changed();

    // Waits up to 30 s for the bucket to show what `done` looks for.
    let settled = |what: &'static str, done: fn(&liuhen_vault::object_lock::testing::ObjectLockState) -> bool| {
        let (moto, bucket, sha256) = (&moto, &bucket, clip.sha256);
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let state = moto.lock_state(bucket, &sha256).await;
                if done(&state) {
                    return state;
                }
                assert!(std::time::Instant::now() < deadline, "{what}: the bucket still shows {state:?}");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        }
    };
    let dated = settled("a new recording is dated", |state| state.mode.as_deref() == Some("COMPLIANCE")).await;
    assert!(dated.retain_until.is_some() && dated.legal_hold.as_deref() != Some("ON"), "{dated:?}");

    let body = json!({ "target": { "kind": "media", "id": clip.id }, "reason": "dispute", "note": "当事人有异议" });
    let response = post(&server, "/api/v1/holds", &fixture.archivist, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let hold = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    settled("a hold placed is a legal hold in the bucket", |state| state.legal_hold.as_deref() == Some("ON")).await;

    let response = post(&server, &format!("/api/v1/holds/{hold}/release"), &fixture.archivist, &json!({ "note": "争议已解决" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let released = settled("a released hold comes off", |state| state.legal_hold.as_deref() == Some("OFF")).await;
    assert_eq!(released.retain_until, dated.retain_until, "the date stays");
    // The bucket answers before the pass records what it accepted.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let locked = loop {
        let locked = server.entries_for(liuhen_core::mutation::action::BLOB_LOCKED).await;
        if locked.len() >= 3 || std::time::Instant::now() > deadline {
            break locked;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(locked.len(), 3, "dated, held, released: {locked:?}");
    assert!(locked.iter().all(|stored| stored.entry.actor == liuhen_custody::retention::LOCKER_ACTOR));
    refresher.abort();
}

on_both_backends!(
    access_requests_are_filed_seen_decided_and_printed,
    classification_marks_narrow_what_may_be_granted,
    legal_holds_are_placed_listed_and_released,
    without_a_pack_retention_is_unavailable,
);

/// For every new or changed endpoint: no credentials → 401; a person
/// without the role or grant → 403; a workstation token → 403 where the
/// endpoint is for people. Nothing a refused caller asks changes anything
/// or is audited as a read.
async fn every_custody_endpoint_refuses_whoever_may_not_use_it(server: TestServer) {
    let fixture = &server.fixture;
    let clip = server.store_file("20261123_083000_执法记录.mp4", &patterned(4096)).await;
    let pending = {
        let response = post(
            &server,
            "/api/v1/access-requests",
            &fixture.other_officer,
            &json!({ "targets": media_target(clip.id), "purpose": "litigation", "mode": "view", "reason": "应诉" }),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let filed: Value = response.json().await.unwrap();
        filed["request"]["id"].as_str().unwrap().to_owned()
    };
    server.grant(&fixture.officer, media_target(clip.id), "reconsideration", "view", None).await;
    let zhang = server.sign_in(&fixture.officer).await;
    let (viewing, url, _) = open_viewing(&server, clip.id, &zhang).await;
    let hold = {
        let body = json!({ "target": { "kind": "media", "id": clip.id }, "reason": "dispute", "note": "当事人有异议" });
        let response = post(&server, "/api/v1/holds", &fixture.archivist, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    };

    let officer = &fixture.second_officer;
    let request_body = json!({ "targets": media_target(clip.id), "purpose": "audit", "mode": "view", "reason": "审计" });
    let mark_body = json!({ "target": { "kind": "media", "id": clip.id }, "mark": "privacy" });
    let hold_body = json!({ "target": { "kind": "media", "id": clip.id }, "reason": "complaint", "note": "投诉" });
    // (method, path, body, people refused with 403, whether a workstation token is refused with 403)
    let table: Vec<(Method, String, Value, Vec<&Account>, bool)> = vec![
        (Method::POST, "/api/v1/access-requests".into(), request_body, vec![], true),
        (Method::GET, "/api/v1/access-requests".into(), Value::Null, vec![], true),
        (Method::GET, format!("/api/v1/access-requests/{pending}"), Value::Null, vec![officer], true),
        (
            Method::POST,
            format!("/api/v1/access-requests/{pending}/decision"),
            json!({ "approved": true }),
            vec![officer, &fixture.archivist],
            true,
        ),
        (Method::GET, format!("/api/v1/access-requests/{pending}/form.pdf"), Value::Null, vec![officer], true),
        (Method::POST, "/api/v1/marks".into(), mark_body, vec![officer, &fixture.archivist], true),
        (Method::GET, "/api/v1/media".into(), Value::Null, vec![], false),
        (Method::GET, format!("/api/v1/media/{}", clip.id), Value::Null, vec![officer, &fixture.administrator], true),
        (Method::POST, format!("/api/v1/media/{}/viewings", clip.id), json!({}), vec![officer, &fixture.archivist], true),
        (Method::GET, url.clone(), Value::Null, vec![officer], true),
        (Method::DELETE, format!("/api/v1/viewings/{viewing}"), Value::Null, vec![officer], true),
        (Method::GET, format!("/api/v1/media/{}/download", clip.id), Value::Null, vec![officer, &fixture.officer], true),
        (Method::GET, "/api/v1/holds".into(), Value::Null, vec![officer], true),
        (Method::POST, "/api/v1/holds".into(), hold_body, vec![officer], true),
        (Method::POST, format!("/api/v1/holds/{hold}/release"), json!({ "note": "已解决" }), vec![officer], true),
        (Method::GET, "/api/v1/retention".into(), Value::Null, vec![officer], true),
    ];
    let reads_before = server.entries_for("record.read").await.len();
    let size_before = server.store.ledger_size().await.unwrap();
    for (method, path, body, refused, workstation_refused) in &table {
        let send = |credentials: Credentials<'_>| {
            let mut request = server.request(method.clone(), path, credentials);
            if !body.is_null() {
                request = request.json(body);
            }
            request.send()
        };
        let response = send(Credentials::Nobody).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path} without credentials");
        assert!(error_of(response).await.contains("Sign in first"));
        for account in refused {
            let session = server.sign_in(account).await;
            let response = send(Credentials::CookieAndCsrf(&session)).await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path} as {}", account.login);
            assert!(!error_of(response).await.is_empty());
        }
        if *workstation_refused {
            let response = send(Credentials::Bearer(&fixture.workstation_token)).await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{method} {path} with a workstation token");
            assert!(!error_of(response).await.is_empty());
        }
    }
    // Sign-ins are recorded; nothing else was.
    let entries = server.store.ledger_entries(size_before, 10_000).await.unwrap();
    let others: Vec<&str> =
        entries.iter().map(|stored| stored.entry.action.as_str()).filter(|action| !action.starts_with("session.")).collect();
    assert_eq!(others, Vec::<&str>::new(), "refused requests change nothing and read nothing");
    assert_eq!(server.entries_for("record.read").await.len(), reads_before);
    // The viewing the others could not end still serves its opener.
    assert_eq!(ranged(&server, &url, Credentials::Cookie(&zhang), Some("bytes=0-9")).await.status(), StatusCode::PARTIAL_CONTENT);
    let shown: Value = get_as(&server, &format!("/api/v1/access-requests/{pending}"), &fixture.leader).await.json().await.unwrap();
    assert_eq!(shown["state"], "pending");
}

async fn access_requests_are_filed_seen_decided_and_printed(server: TestServer) {
    let fixture = &server.fixture;
    let media = fixture.media[0].id;
    let chen = &fixture.other_officer;
    let body = json!({
        "targets": media_target(media), "purpose": "行政诉讼", "mode": "view", "reason": "应诉需要调取现场录像",
        "on_behalf_of": "思明区人民法院",
    });
    let response = post(&server, "/api/v1/access-requests", chen, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let filed: Value = response.json().await.unwrap();
    assert_eq!(filed["state"], "pending");
    assert_eq!(filed["state_zh"], "待审批");
    assert_eq!(filed["request"]["requester"], chen.id.to_string());
    assert_eq!(filed["request"]["purpose"], "litigation");
    assert_eq!(filed["request"]["on_behalf_of"], "思明区人民法院");
    assert_eq!(filed["decision"], Value::Null);
    let id = filed["request"]["id"].as_str().unwrap().to_owned();

    // Requests that make no sense get a sentence.
    let now = Timestamp::now();
    for (wrong, status, says) in [
        (json!({ "targets": [], "purpose": "litigation", "mode": "view", "reason": "x" }), StatusCode::BAD_REQUEST, "at least one"),
        (
            json!({ "targets": media_target(media), "purpose": "lunch", "mode": "view", "reason": "x" }),
            StatusCode::BAD_REQUEST,
            "litigation",
        ),
        (
            json!({ "targets": media_target(media), "purpose": "audit", "mode": "look", "reason": "x" }),
            StatusCode::BAD_REQUEST,
            "view, copy",
        ),
        (json!({ "targets": media_target(media), "purpose": "audit", "mode": "view", "reason": " " }), StatusCode::BAD_REQUEST, "reason"),
        (
            json!({ "targets": media_target(MediaId::new()), "purpose": "audit", "mode": "view", "reason": "x" }),
            StatusCode::NOT_FOUND,
            "does not exist",
        ),
        (
            json!({ "targets": media_target(media), "purpose": "audit", "mode": "view", "reason": "x", "from": now, "until": now - SignedDuration::from_hours(1) }),
            StatusCode::BAD_REQUEST,
            "must end after",
        ),
        (
            json!({ "targets": media_target(media), "purpose": "audit", "mode": "view", "reason": "x", "until": now + SignedDuration::from_hours(24 * 91) }),
            StatusCode::BAD_REQUEST,
            "90 days",
        ),
        (
            json!({ "targets": [{ "kind": "folder", "id": media }], "purpose": "audit", "mode": "view", "reason": "x" }),
            StatusCode::BAD_REQUEST,
            "JSON",
        ),
    ] {
        let response = post(&server, "/api/v1/access-requests", chen, &wrong).await;
        assert_eq!(response.status(), status, "{wrong}");
        let message = error_of(response).await;
        assert!(message.contains(says), "{wrong}: {message}");
    }

    // Who sees it: its requester, and those who see all requests.
    for (account, count) in [(chen, 1), (&fixture.second_officer, 0), (&fixture.leader, 1), (&fixture.archivist, 1)] {
        let listed: Value = get_as(&server, "/api/v1/access-requests", account).await.json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), count, "{}", account.login);
    }
    let one = format!("/api/v1/access-requests/{id}");
    assert_eq!(get_as(&server, &one, chen).await.status(), StatusCode::OK);
    assert_eq!(get_as(&server, &one, &fixture.leader).await.status(), StatusCode::OK);
    assert_eq!(get_as(&server, &one, &fixture.second_officer).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(get_as(&server, "/api/v1/access-requests/nonsense", chen).await.status(), StatusCode::BAD_REQUEST);
    let unknown = format!("/api/v1/access-requests/{}", MediaId::new());
    assert_eq!(get_as(&server, &unknown, &fixture.leader).await.status(), StatusCode::NOT_FOUND);

    // Deciding: never one's own request, a refusal gives its reason, a
    // grant ends within the period asked for, and a request is decided once.
    let decision = format!("{one}/decision");
    let own = post(
        &server,
        "/api/v1/access-requests",
        &fixture.leader,
        &json!({ "targets": media_target(media), "purpose": "supervision", "mode": "view", "reason": "检查" }),
    )
    .await;
    let own_id = own.json::<Value>().await.unwrap()["request"]["id"].as_str().unwrap().to_owned();
    let response =
        post(&server, &format!("/api/v1/access-requests/{own_id}/decision"), &fixture.leader, &json!({ "approved": true })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("person who made it"));
    let response = post(&server, &decision, &fixture.leader, &json!({ "approved": false })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "a refusal says why");
    let beyond = json!({ "approved": true, "granted_until": now + SignedDuration::from_hours(24 * 30) });
    assert_eq!(post(&server, &decision, &fixture.leader, &beyond).await.status(), StatusCode::FORBIDDEN);
    let until = now + SignedDuration::from_hours(48);
    let response = post(&server, &decision, &fixture.leader, &json!({ "approved": true, "reason": "同意", "granted_until": until })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let decided: Value = response.json().await.unwrap();
    assert_eq!(decided["state"], "granted");
    assert_eq!(decided["decision"]["approver"], fixture.leader.id.to_string());
    let response = post(&server, &decision, &fixture.administrator, &json!({ "approved": false, "reason": "不同意" })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("already decided"));
    assert_eq!(server.entries_for("access.requested").await.len(), 2);
    assert_eq!(server.entries_for("access.approved").await.len(), 1);
    assert!(server.entries_for("access.refused").await.is_empty());

    // The requisition form (调用单), for its requester.
    let response = get_as(&server, &format!("{one}/form.pdf"), chen).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF"));
}

/// 丰台 第二十六条: a record marked as someone's privacy is not granted for
/// publicity; marks are placed and lifted by those who may.
async fn classification_marks_narrow_what_may_be_granted(server: TestServer) {
    let fixture = &server.fixture;
    let media = fixture.media[0].id;
    let reviewer =
        server.add_account("zhao.min", "法制密码-8", &[Role::LegalReviewer], Some(("赵敏", "0203009", OfficerRole::LegalReviewer))).await;
    let target = json!({ "kind": "media", "id": media });
    let response =
        post(&server, "/api/v1/marks", &fixture.administrator, &json!({ "target": target, "mark": "个人隐私", "note": "当事人面部" }))
            .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: Value = response.json().await.unwrap();
    assert_eq!(placed["mark"], "privacy");
    assert_eq!(placed["lifted"], false);
    assert_eq!(placed["by"], fixture.administrator.id.subject());
    let again = post(&server, "/api/v1/marks", &fixture.leader, &json!({ "target": target, "mark": "privacy" })).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(again).await.contains("already marked"));
    let unknown = post(&server, "/api/v1/marks", &fixture.leader, &json!({ "target": target, "mark": "secret" })).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(unknown).await.contains("state_secret"));

    let chen = &fixture.other_officer;
    let filed = post(
        &server,
        "/api/v1/access-requests",
        chen,
        &json!({ "targets": media_target(media), "purpose": "publicity", "mode": "copy", "reason": "宣传片" }),
    )
    .await;
    let id = filed.json::<Value>().await.unwrap()["request"]["id"].as_str().unwrap().to_owned();
    let response = post(&server, &format!("/api/v1/access-requests/{id}/decision"), &fixture.leader, &json!({ "approved": true })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("cannot be granted for publicity"));

    let response =
        post(&server, "/api/v1/marks", &reviewer, &json!({ "target": target, "mark": "privacy", "lifted": true, "note": "已打码" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.json::<Value>().await.unwrap()["lifted"], true);
    assert_eq!(server.entries_for("classification.marked").await.len(), 2);
    let response = post(&server, &format!("/api/v1/access-requests/{id}/decision"), &fixture.leader, &json!({ "approved": true })).await;
    assert_eq!(response.status(), StatusCode::CREATED, "with the mark lifted the grant may be made");
}

/// 叶县 第十三条: a record in dispute is held, whatever its age.
async fn legal_holds_are_placed_listed_and_released(server: TestServer) {
    let fixture = &server.fixture;
    let media = fixture.media[1].id;
    let reviewer = server.add_account("zhao.min", "法制密码-8", &[Role::LegalReviewer], None).await;
    let target = json!({ "kind": "media", "id": media });
    for (wrong, status) in [
        (json!({ "target": target, "reason": "boredom", "note": "x" }), StatusCode::BAD_REQUEST),
        (json!({ "target": target, "reason": "dispute", "note": " " }), StatusCode::BAD_REQUEST),
        (json!({ "target": { "kind": "media", "id": MediaId::new() }, "reason": "dispute", "note": "x" }), StatusCode::NOT_FOUND),
        (json!({ "target": { "kind": "document", "id": MediaId::new() }, "reason": "dispute", "note": "x" }), StatusCode::BAD_REQUEST),
    ] {
        let response = post(&server, "/api/v1/holds", &fixture.archivist, &wrong).await;
        assert_eq!(response.status(), status, "{wrong}");
        assert!(!error_of(response).await.is_empty());
    }
    let response = post(
        &server,
        "/api/v1/holds",
        &fixture.archivist,
        &json!({ "target": target, "reason": "当事人有异议", "note": "当事人申请复议" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let hold: Value = response.json().await.unwrap();
    assert_eq!(hold["reason"], "dispute");
    assert_eq!(hold["in_force"], true);
    assert_eq!(hold["placed_by"], fixture.archivist.id.subject());
    let id = hold["id"].as_str().unwrap();

    let listed: Value = get_as(&server, "/api/v1/holds", &fixture.leader).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], id);

    let release = format!("/api/v1/holds/{id}/release");
    let response = post(&server, &release, &reviewer, &json!({ "note": "复议决定已生效" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let released: Value = response.json().await.unwrap();
    assert_eq!(released["in_force"], false);
    assert_eq!(released["released"]["by"], reviewer.id.subject());
    let response = post(&server, &release, &reviewer, &json!({ "note": "again" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("already released"));
    assert_eq!(post(&server, "/api/v1/holds/x/release", &reviewer, &json!({ "note": "x" })).await.status(), StatusCode::BAD_REQUEST);
    let unknown = format!("/api/v1/holds/{}/release", MediaId::new());
    assert_eq!(post(&server, &unknown, &reviewer, &json!({ "note": "x" })).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(server.entries_for("hold.placed").await.len(), 1);
    assert_eq!(server.entries_for("hold.released").await.len(), 1);
}

async fn retention_is_listed_under_the_pack_in_force_and_audited(server: TestServer) {
    let fixture = &server.fixture;
    let held = fixture.media[2].id;
    let body = json!({ "target": { "kind": "media", "id": held }, "reason": "complaint", "note": "投诉处理中" });
    assert_eq!(post(&server, "/api/v1/holds", &fixture.leader, &body).await.status(), StatusCode::CREATED);

    let response = get_as(&server, "/api/v1/retention", &fixture.archivist).await;
    assert_eq!(response.status(), StatusCode::OK);
    let records: Value = response.json().await.unwrap();
    let records = records.as_array().unwrap();
    let ids: Vec<&str> = records.iter().map(|record| record["media"]["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = fixture.media.iter().map(|media| media.id.to_string()).collect();
    assert_eq!(ids, expected);
    assert_eq!(records[2]["expiry"]["holds"].as_array().unwrap().len(), 1, "the held record says so");

    let response = get_as(&server, "/api/v1/retention?expired=true", &fixture.administrator).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]), "nothing stored today has expired");
    assert_eq!(get_as(&server, "/api/v1/retention?expired=maybe", &fixture.administrator).await.status(), StatusCode::BAD_REQUEST);

    let reads = server.entries_for("record.read").await;
    assert_eq!(reads.len(), 1, "the listing read every record's metadata once; the empty one read nothing");
    let expected_subjects: Vec<String> = fixture.media.iter().map(|media| media.id.subject()).collect();
    assert_eq!(reads[0].entry.subjects, expected_subjects);
    assert_eq!(reads[0].entry.actor, fixture.archivist.id.subject());
    let payload: Value = serde_json::from_str(&reads[0].payload_json).unwrap();
    assert_eq!(payload, json!({ "kind": "retention", "count": 3, "expired_only": false }));
}

async fn without_a_pack_retention_is_unavailable(server: TestServer) {
    let response = get_as(&server, "/api/v1/retention", &server.fixture.archivist).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(error_of(response).await.contains("No policy pack is in force"));
}

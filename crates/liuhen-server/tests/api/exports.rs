//! Court packages over the API: made only under an approved copy grant, by
//! its holder or an archivist; each one verifies, is on record, and its
//! ISO image is audited when downloaded.

use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(pack "xiamen-cgj": packages_are_made_under_a_copy_grant_and_verify);

async fn post(server: &TestServer, path: &str, credentials: Credentials<'_>, body: &Value) -> reqwest::Response {
    server.request(Method::POST, path, credentials).json(body).send().await.unwrap()
}

async fn packages_are_made_under_a_copy_grant_and_verify(server: TestServer) {
    let fixture = &server.fixture;
    let zhang = server.sign_in(&fixture.officer).await;
    let case = json!({
        "act_kind": "penalty", "source": "complaint", "matter": "占道经营", "number": "思城管罚〔2026〕9号",
        "lead": "0203001", "handlers": ["0203002"],
        "parties": [{ "kind": "person", "name": "王五", "id_number": "350203199001011234" }],
    });
    let response = post(&server, "/api/v1/cases", Credentials::CookieAndCsrf(&zhang), &case).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let response =
        post(&server, &format!("/api/v1/cases/{id}/stages"), Credentials::CookieAndCsrf(&zhang), &json!({ "stage": "intake" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let media = &server.store_file("DSJ_JLY0001_0203001_20261123_083000.MP4", &crate::reads::video_clip()).await;
    server.add_recording(media, fixture.officers[0], Timestamp::now() - SignedDuration::from_hours(2)).await;
    let link =
        json!({ "media": media.id, "stage": "intake", "item": "on_site_inspection", "location": "中山路 12 号", "label": "人行道摆摊" });
    let response = post(&server, &format!("/api/v1/cases/{id}/links"), Credentials::CookieAndCsrf(&zhang), &link).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // Reading the case file through the case routes is audited too.
    let case_reads = |server: &TestServer| {
        let id = id.clone();
        let store = server.store.clone();
        async move {
            let subject = format!("case:{id}");
            store.ledger_entries_about(&subject).await.unwrap().into_iter().filter(|e| e.entry.action == "record.read").count()
        }
    };
    let before = case_reads(&server).await;
    assert_eq!(server.get(&format!("/api/v1/cases/{id}"), Credentials::Cookie(&zhang)).await.status(), StatusCode::OK);
    assert_eq!(server.get(&format!("/api/v1/cases/{id}/index.pdf"), Credentials::Cookie(&zhang)).await.status(), StatusCode::OK);
    assert_eq!(server.get(&format!("/api/v1/cases/{id}/av-checklist"), Credentials::Cookie(&zhang)).await.status(), StatusCode::OK);
    assert_eq!(case_reads(&server).await, before + 3, "the case view, its index and its checklist are each a read");

    let li = &fixture.second_officer;
    let case_target = json!([{ "kind": "case", "id": id }]);
    let view = server.grant(li, case_target.clone(), "litigation", "view", None).await;
    let li_session = server.sign_in(li).await;
    let body = |grant: &str| json!({ "case": id, "purpose": "litigation", "grant": grant, "recipient": "思明区人民法院" });
    // Without credentials, as a workstation, under a view grant, under another's grant: refused.
    let response = server.request(Method::POST, "/api/v1/exports", Credentials::Nobody).json(&body(&view)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = post(&server, "/api/v1/exports", Credentials::Bearer(&fixture.workstation_token), &body(&view)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&server, "/api/v1/exports", Credentials::CookieAndCsrf(&li_session), &body(&view)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(error_of(response).await.contains("viewing only"));
    let copy = server.grant(li, case_target, "litigation", "copy", None).await;
    let chen = server.sign_in(&fixture.other_officer).await;
    let response = post(&server, "/api/v1/exports", Credentials::CookieAndCsrf(&chen), &body(&copy)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a grant is its holder's");
    assert!(server.store.exports().await.unwrap().is_empty());

    // The holder makes it; it verifies and is on record.
    let response = post(&server, "/api/v1/exports", Credentials::CookieAndCsrf(&li_session), &body(&copy)).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap_or_default());
    let made: Value = response.json().await.unwrap();
    let dir = std::path::PathBuf::from(made["path"].as_str().unwrap());
    let keys = server.state.ledger.verifier_keys();
    let check = liuhen_custody::package::verify_package(&dir, &keys).unwrap();
    assert!(check.ok(), "{:?}", check.problems);
    assert_eq!(made["media"], json!([media.id]));
    assert_eq!(server.store.exports().await.unwrap().len(), 1);

    // Listed for its holder and the archivist, not for others.
    let archivist = server.sign_in(&fixture.archivist).await;
    for (session, count) in [(&li_session, 1), (&archivist, 1), (&chen, 0)] {
        let response = server.get("/api/v1/exports", Credentials::Cookie(session)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.json::<Value>().await.unwrap().as_array().unwrap().len(), count);
    }

    // The ISO image: refused to others, audited for its holder.
    let iso = made["iso_url"].as_str().unwrap().to_owned();
    assert_eq!(server.get(&iso, Credentials::Cookie(&chen)).await.status(), StatusCode::FORBIDDEN);
    let before = server.entries_for("record.read").await.len();
    let response = server.get(&iso, Credentials::Cookie(&li_session)).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        assert!(std::env::var_os("CI").is_none(), "CI installs xorriso");
        return;
    }
    assert_eq!(response.status(), StatusCode::OK);
    let image = response.bytes().await.unwrap();
    assert!(image.len() > 32 * 1024 && &image[0x8001..0x8006] == b"CD001", "an ISO 9660 image");
    assert_eq!(server.entries_for("record.read").await.len(), before + 1, "the download is audited");
}

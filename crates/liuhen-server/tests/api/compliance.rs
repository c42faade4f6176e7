//! Compliance over the API: findings raised from recorded facts citing
//! their article, who sees which, explanations accepted by those who may,
//! the checklist and report as files, and what answers without a pack.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::{OfficerRole, Role};
use liuhen_core::id::FindingId;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(pack "xiamen-cgj":
    xiamen_5_unlinked_recordings_are_found_shown_to_their_officers_and_waived,
    xiamen_annex_2_checklist_and_misconduct_report_print,
    recordings_are_labelled_by_officers,
    findings_are_filtered_by_officer_and_rule_and_read_one_by_one,
    the_refresher_notices_facts_another_process_wrote,
);
on_both_backends!(pack "dalian-gxq-cgj": dalian_art8_case_findings_reach_their_handlers_through_the_refresher);
on_both_backends!(without_a_pack_compliance_is_unavailable);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn post(server: &TestServer, path: &str, credentials: Credentials<'_>, body: &Value) -> reqwest::Response {
    server.request(Method::POST, path, credentials).json(body).send().await.unwrap()
}

async fn json_of(server: &TestServer, path: &str, credentials: Credentials<'_>) -> Value {
    let response = server.get(path, credentials).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

fn penalty() -> Value {
    json!({
        "act_kind": "penalty",
        "source": "complaint",
        "matter": "占道经营",
        "number": "思城管罚〔2026〕7号",
        "lead": "0203001",
        "handlers": ["0203002"],
        "parties": [{ "kind": "person", "name": "王五", "id_number": "350203199001011234" }],
    })
}

/// Opens 张伟's case (李娜 handles it too) and moves it to investigation,
/// filing as an emergency (大连 第六条).
async fn open_case(server: &TestServer, credentials: Credentials<'_>) -> String {
    let response = post(server, "/api/v1/cases", credentials, &penalty()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    for (stage, emergency) in [("intake", false), ("filing", true), ("investigation", false)] {
        let body = json!({ "stage": stage, "emergency": emergency });
        let response = post(server, &format!("/api/v1/cases/{id}/stages"), credentials, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{stage}");
    }
    id
}

async fn xiamen_5_unlinked_recordings_are_found_shown_to_their_officers_and_waived(server: TestServer) {
    let fixture = &server.fixture;
    let three_days_ago = Timestamp::now() - SignedDuration::from_hours(72);
    let zhangs = server.add_recording(&fixture.media[0], fixture.officers[0], three_days_ago).await;
    let lis = server.add_recording(&fixture.media[1], fixture.officers[1], three_days_ago).await;
    let chief = server.add_account("zhao.ju", "负责人密码-8", &[Role::UnitLeader], Some(("赵军", "0203900", OfficerRole::Leader))).await;
    let chief = server.sign_in(&chief).await;
    let zhang = server.sign_in(&fixture.officer).await;
    let li = server.sign_in(&fixture.second_officer).await;
    let chen = server.sign_in(&fixture.other_officer).await;
    let leader = server.sign_in(&fixture.leader).await;
    let administrator = server.sign_in(&fixture.administrator).await;

    // The pack in force, each rule citing its article.
    let pack = json_of(&server, "/api/v1/compliance/pack", Credentials::Cookie(&zhang)).await;
    assert_eq!(pack["id"], "xiamen-cgj");
    let rule = pack["rules"].as_array().unwrap().iter().find(|rule| rule["id"] == "link-48h").expect("the 48 h rule").clone();
    assert_eq!(rule["check"], "link_deadline");
    assert_eq!(rule["source"]["short_zh"], "厦门 五");
    assert!(pack["misconduct"].as_array().unwrap().iter().any(|item| item["id"] == "6-5-4"));

    // Nothing is stored until a refresh, which officers do not start.
    assert_eq!(json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&leader)).await, json!([]));
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&zhang), &json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&leader), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let refresh: Value = response.json().await.unwrap();
    let raised = refresh["raised"].as_array().unwrap();
    assert_eq!(raised.len(), 2, "{refresh}");
    assert!(raised.iter().all(|stored| stored["finding"]["rule_id"] == "link-48h" && stored["finding"]["source"]["article"] == "五"));
    assert_eq!(refresh["open"], 2);
    let entries = server.entries_for("finding.raised").await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].entry.actor, fixture.leader.id.subject(), "the ledger names who asked");

    // Leaders see both; each officer sees their own; devices none.
    let all = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&leader)).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all.as_array().unwrap().iter().all(|view| view["status"] == "open" && view["source_zh"] == "厦门 五"));
    let own = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&zhang)).await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["finding"]["officer_id"], zhangs.officer_id.unwrap().to_string());
    assert!(own[0]["finding"]["message"].as_str().unwrap().contains("仍未关联案件或标注"), "{own}");
    let lis_view = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&li)).await;
    assert_eq!(lis_view.as_array().unwrap().len(), 1);
    assert_eq!(lis_view[0]["finding"]["subject"]["media_id"], lis.media_id.to_string());
    assert_eq!(json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&chen)).await, json!([]));
    let response = server.get("/api/v1/compliance/findings", Credentials::Bearer(&fixture.workstation_token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/compliance/findings", Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED);

    // Filters, and sentences for bad ones.
    let unit = format!("/api/v1/compliance/findings?open=true&unit={}", fixture.unit);
    assert_eq!(json_of(&server, &unit, Credentials::Cookie(&leader)).await.as_array().unwrap().len(), 2);
    assert_eq!(json_of(&server, "/api/v1/compliance/findings?open=false", Credentials::Cookie(&leader)).await, json!([]));
    for (query, status) in [
        ("unit=中山路", StatusCode::BAD_REQUEST),
        ("open=perhaps", StatusCode::BAD_REQUEST),
        ("surprise=1", StatusCode::BAD_REQUEST),
        ("case=思城管罚〔2099〕1号", StatusCode::NOT_FOUND),
    ] {
        let response = server.get(&format!("/api/v1/compliance/findings?{query}"), Credentials::Cookie(&leader)).await;
        assert_eq!(response.status(), status, "{query}");
        assert!(!error_of(response).await.is_empty());
    }

    // Only a leader, legal reviewer or inspector accepts an explanation.
    let zhangs_finding = own[0]["id"].as_str().unwrap().to_owned();
    let waiver = format!("/api/v1/compliance/findings/{zhangs_finding}/waiver");
    let explanation = json!({ "explanation": "当日系统故障，已于次日补录标注" });
    for (who, whom) in [(&zhang, "an officer"), (&leader, "a leader without an officer"), (&administrator, "an administrator")] {
        let response = post(&server, &waiver, Credentials::CookieAndCsrf(who), &explanation).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{whom}");
    }
    let response = post(&server, &waiver, Credentials::Bearer(&fixture.workstation_token), &explanation).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a device");
    let response = post(&server, &waiver, Credentials::CookieAndCsrf(&chief), &json!({ "explanation": "  " })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("情况说明"));
    let response = post(&server, &waiver, Credentials::CookieAndCsrf(&chief), &json!({ "explanation": "说".repeat(2001) })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("longer than 2000"));
    let response = post(&server, &waiver, Credentials::CookieAndCsrf(&chief), &json!({ "explanation": "x", "by": "me" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let unknown = format!("/api/v1/compliance/findings/{}/waiver", FindingId::new());
    assert_eq!(post(&server, &unknown, Credentials::CookieAndCsrf(&chief), &explanation).await.status(), StatusCode::NOT_FOUND);
    let response = post(&server, "/api/v1/compliance/findings/not-an-id/waiver", Credentials::CookieAndCsrf(&chief), &explanation).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(server.entries_for("finding.resolved").await.is_empty(), "nothing refused was recorded");

    let response = post(&server, &waiver, Credentials::CookieAndCsrf(&chief), &explanation).await;
    assert_eq!(response.status(), StatusCode::OK);
    let waived: Value = response.json().await.unwrap();
    assert_eq!(waived["status"], "waived");
    assert_eq!(waived["status_zh"], "已说明");
    assert_eq!(waived["resolution"]["note"], "当日系统故障，已于次日补录标注");
    let response = post(&server, &waiver, Credentials::CookieAndCsrf(&chief), &explanation).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "resolved once");

    // A waived breach is not raised again.
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&administrator), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["raised"], json!([]), "{again}");
    assert_eq!(again["open"], 1);
    let open = json_of(&server, "/api/v1/compliance/findings?open=true", Credentials::Cookie(&leader)).await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["finding"]["officer_id"], lis.officer_id.unwrap().to_string());
    let mine = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&zhang)).await;
    assert_eq!(mine[0]["status"], "waived");
    assert_eq!(server.entries_for("finding.raised").await.len(), 2);
    assert_eq!(server.entries_for("finding.resolved").await.len(), 1);
}

async fn findings_are_filtered_by_officer_and_rule_and_read_one_by_one(server: TestServer) {
    let fixture = &server.fixture;
    let three_days_ago = Timestamp::now() - SignedDuration::from_hours(72);
    server.add_recording(&fixture.media[0], fixture.officers[0], three_days_ago).await;
    server.add_recording(&fixture.media[1], fixture.officers[1], three_days_ago).await;
    let chief = server.add_account("zhao.ju", "负责人密码-8", &[Role::UnitLeader], Some(("赵军", "0203900", OfficerRole::Leader))).await;
    let chief = server.sign_in(&chief).await;
    let leader = server.sign_in(&fixture.leader).await;
    let zhang = server.sign_in(&fixture.officer).await;
    let chen = server.sign_in(&fixture.other_officer).await;
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&leader), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);

    // By rule (厦门 五: link within 48 h) and by officer, by badge or id.
    let count = |query: String| {
        let leader = &leader;
        let server = &server;
        async move {
            json_of(server, &format!("/api/v1/compliance/findings?{query}"), Credentials::Cookie(leader)).await.as_array().unwrap().len()
        }
    };
    assert_eq!(count("rule=link-48h".into()).await, 2);
    assert_eq!(count("rule=upload-24h".into()).await, 0);
    assert_eq!(count("officer=0203001".into()).await, 1);
    assert_eq!(count(format!("officer={}&rule=link-48h&open=true", fixture.officers[1])).await, 1);
    assert_eq!(count(format!("officer=0203003&unit={}", fixture.unit)).await, 0);
    let zhangs = json_of(&server, "/api/v1/compliance/findings?officer=0203001", Credentials::Cookie(&leader)).await;
    assert_eq!(zhangs[0]["finding"]["officer_id"], fixture.officers[0].to_string());
    // An officer filtering for another officer still sees only their own.
    let response = json_of(&server, "/api/v1/compliance/findings?officer=0203002", Credentials::Cookie(&zhang)).await;
    assert_eq!(response, json!([]));
    for (query, status, says) in [
        ("rule=no-such-rule", StatusCode::BAD_REQUEST, "link-48h"),
        ("rule=", StatusCode::BAD_REQUEST, "no rule"),
        ("officer=", StatusCode::BAD_REQUEST, "officer"),
        ("officer=9999999", StatusCode::NOT_FOUND, "9999999"),
    ] {
        let response = server.get(&format!("/api/v1/compliance/findings?{query}"), Credentials::Cookie(&leader)).await;
        assert_eq!(response.status(), status, "{query}");
        assert!(error_of(response).await.contains(says), "{query}");
    }

    // One finding: who may see it, and whether they may accept an explanation.
    let id = zhangs[0]["id"].as_str().unwrap().to_owned();
    let one = format!("/api/v1/compliance/findings/{id}");
    let seen = json_of(&server, &one, Credentials::Cookie(&leader)).await;
    assert_eq!(seen["id"], id.as_str());
    assert_eq!(seen["source_zh"], "厦门 五");
    assert_eq!(seen["status"], "open");
    assert_eq!(seen["may_waive"], false, "a leader without an officer of his own");
    assert!(seen["finding"]["evidence"].as_object().is_some_and(|evidence| !evidence.is_empty()), "{seen}");
    assert_eq!(json_of(&server, &one, Credentials::Cookie(&chief)).await["may_waive"], true);
    assert_eq!(json_of(&server, &one, Credentials::Cookie(&zhang)).await["may_waive"], false);
    assert_eq!(server.get(&one, Credentials::Cookie(&chen)).await.status(), StatusCode::NOT_FOUND, "not his");
    assert_eq!(server.get(&one, Credentials::Bearer(&fixture.workstation_token)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.get(&one, Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED);
    let response = server.get("/api/v1/compliance/findings/not-an-id", Credentials::Cookie(&leader)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("not a finding id"));
    let unknown = format!("/api/v1/compliance/findings/{}", FindingId::new());
    assert_eq!(server.get(&unknown, Credentials::Cookie(&leader)).await.status(), StatusCode::NOT_FOUND);

    let response =
        post(&server, &format!("{one}/waiver"), Credentials::CookieAndCsrf(&chief), &json!({ "explanation": "设备故障，已补录" })).await;
    assert_eq!(response.status(), StatusCode::OK);
    let waived = json_of(&server, &one, Credentials::Cookie(&chief)).await;
    assert_eq!((waived["status"].as_str(), waived["may_waive"].as_bool()), (Some("waived"), Some(false)));
    assert_eq!(waived["resolution"]["note"], "设备故障，已补录");
}

async fn dalian_art8_case_findings_reach_their_handlers_through_the_refresher(server: TestServer) {
    let refresher = liuhen_server::spawn_compliance_refresher(&server.state).expect("a pack is in force");
    let zhang = server.sign_in(&server.fixture.officer).await;
    let li = server.sign_in(&server.fixture.second_officer).await;
    let chen = server.sign_in(&server.fixture.other_officer).await;
    let credentials = Credentials::CookieAndCsrf(&zhang);
    let id = open_case(&server, credentials).await;

    // The emergency start waits for its approval within 24 h (大连 第六条).
    let deadlines = json_of(&server, "/api/v1/compliance/deadlines", Credentials::Cookie(&li)).await;
    let emergency = deadlines.as_array().unwrap().iter().find(|upcoming| upcoming["rule_id"] == "emergency-start-approved");
    let emergency = emergency.unwrap_or_else(|| panic!("the emergency start is due: {deadlines}"));
    assert_eq!(emergency["source_zh"], "大连 第六条");
    assert_eq!(emergency["case_id"], id.as_str());
    let soon = json_of(&server, "/api/v1/compliance/deadlines?within=1h", Credentials::Cookie(&li)).await;
    assert!(!soon.as_array().unwrap().iter().any(|upcoming| upcoming["rule_id"] == "emergency-start-approved"));
    assert_eq!(json_of(&server, "/api/v1/compliance/deadlines?within=24h", Credentials::Cookie(&chen)).await, json!([]));
    for bad in ["2d", "0h", "48", "forever"] {
        let response = server.get(&format!("/api/v1/compliance/deadlines?within={bad}"), Credentials::Cookie(&li)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(error_of(response).await.contains("whole number of hours"));
    }

    // An inquiry record whose officer did not show a certificate (大连 第八条).
    let documents = format!("/api/v1/cases/{id}/documents");
    let inquiry = json!({
        "kind": "inquiry_record",
        "stage": "investigation",
        "legal_basis": "《行政处罚法》第五十五条",
        "fields": { "place": "中山路 12 号", "started_at": "10:00", "ended_at": "10:30", "questions_and_answers": "问：……答：……" },
    });
    let response = post(&server, &documents, credentials, &inquiry).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let document = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let unshown = json!({ "signer": { "role": "officer", "badge": "0203001", "certificate_shown": false } });
    let response = post(&server, &format!("{documents}/{document}/signatures"), credentials, &unshown).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The refresher raises it soon after, without anyone asking.
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&li)).await;
        if seen.as_array().unwrap().iter().any(|view| view["finding"]["rule_id"] == "certificates-shown") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let found = seen.as_array().unwrap().iter().find(|view| view["finding"]["rule_id"] == "certificates-shown");
    let found = found.unwrap_or_else(|| panic!("the refresher raised the finding: {seen}"));
    assert_eq!(found["source_zh"], "大连 第八条");
    assert_eq!(found["finding"]["case_id"], id.as_str());
    assert!(found["finding"]["message"].as_str().unwrap().contains("张伟"));
    assert_eq!(found["raised_by"], "system:compliance");
    // 李娜 sees it as a handler of the case; 陈杰 does not, even by asking for the case.
    assert_eq!(json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&chen)).await, json!([]));
    let response = server.get(&format!("/api/v1/compliance/findings?case={id}"), Credentials::Cookie(&chen)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let by_case = json_of(&server, &format!("/api/v1/compliance/findings?case={id}"), Credentials::Cookie(&li)).await;
    assert_eq!(by_case.as_array().unwrap().len(), seen.as_array().unwrap().len());
    assert!(server.entries_for("finding.raised").await.iter().all(|stored| stored.entry.actor == "system:compliance"));
    refresher.abort();
}

/// `liuhen ingest` on the same store tells the server nothing: the
/// refresher's regular look finds what it wrote in the ledger.
async fn the_refresher_notices_facts_another_process_wrote(server: TestServer) {
    let fixture = &server.fixture;
    let mut state = server.state.clone();
    state.settings.compliance.as_mut().expect("a pack is in force").refresh_interval = Duration::from_secs(1);
    let refresher = liuhen_server::spawn_compliance_refresher(&state).expect("a pack is in force");
    let leader = server.sign_in(&fixture.leader).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&leader)).await, json!([]));

    // Written to the ledger directly, as another process would: no
    // handler reports it.
    let three_days_ago = Timestamp::now() - SignedDuration::from_hours(72);
    let recording = server.add_recording(&fixture.media[0], fixture.officers[0], three_days_ago).await;
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen = json_of(&server, "/api/v1/compliance/findings", Credentials::Cookie(&leader)).await;
        if !seen.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let found = seen.as_array().unwrap();
    assert_eq!(found.len(), 1, "the refresher raised the unlinked recording: {seen}");
    assert_eq!(found[0]["finding"]["rule_id"], "link-48h");
    assert_eq!(found[0]["finding"]["subject"]["media_id"], recording.media_id.to_string());
    assert_eq!(found[0]["raised_by"], "system:compliance");
    refresher.abort();
}

async fn xiamen_annex_2_checklist_and_misconduct_report_print(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let li = server.sign_in(&server.fixture.second_officer).await;
    let chen = server.sign_in(&server.fixture.other_officer).await;
    let leader = server.sign_in(&server.fixture.leader).await;
    let id = open_case(&server, Credentials::CookieAndCsrf(&zhang)).await;
    let media = &server.fixture.media[0];
    server.add_recording(media, server.fixture.officers[0], Timestamp::now() - SignedDuration::from_hours(2)).await;
    let link = json!({ "media": media.id, "stage": "investigation", "item": "on_site_inspection", "location": "中山路 12 号", "label": "现场检查占道经营" });
    let response = post(&server, &format!("/api/v1/cases/{id}/links"), Credentials::CookieAndCsrf(&zhang), &link).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let checklist = json_of(&server, &format!("/api/v1/cases/{id}/av-checklist"), Credentials::Cookie(&li)).await;
    assert_eq!(checklist["case_number"], "思城管罚〔2026〕7号");
    let rows = checklist["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["item"], "现场检查");
    assert_eq!(rows[0]["recorder"], "张伟");
    assert!(rows[0]["file_name"].as_str().unwrap().starts_with("01-中山路中队王五"), "{checklist}");
    assert_eq!(checklist["naming_source"]["article"], "五");

    let response = server.get(&format!("/api/v1/cases/{id}/av-checklist.xlsx"), Credentials::Cookie(&li)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with(&format!("attachment; filename=\"av-checklist-{id}.xlsx\"; filename*=UTF-8''")), "{disposition}");
    assert!(response.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip file");
    let response = server.get(&format!("/api/v1/cases/{id}/av-checklist.pdf"), Credentials::Cookie(&zhang)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    // The case's readers only.
    for path in ["av-checklist", "av-checklist.xlsx", "av-checklist.pdf"] {
        let response = server.get(&format!("/api/v1/cases/{id}/{path}"), Credentials::Cookie(&chen)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let response = server.get(&format!("/api/v1/cases/{id}/av-checklist"), Credentials::Bearer(&server.fixture.workstation_token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // The misconduct report, for those who supervise.
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&leader), &json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let today = Timestamp::now().to_zoned(jiff::tz::offset(8).to_time_zone()).date();
    let period = format!("from={}&to={today}", today.first_of_month());
    let report = json_of(&server, &format!("/api/v1/compliance/report?{period}"), Credentials::Cookie(&leader)).await;
    assert_eq!(report["pack"], "厦门市城市管理行政执法局关于规范城管部门执法记录仪使用的通知");
    assert_eq!(report["unit"], "全部单位");
    assert!(report["sections"].as_array().unwrap().iter().any(|section| section["item_id"] == "6-5-1"));
    let for_unit = json_of(&server, &format!("/api/v1/compliance/report?unit={}", server.fixture.unit), Credentials::Cookie(&leader)).await;
    assert_eq!(for_unit["unit"], "中山路中队");
    let response = server.get(&format!("/api/v1/compliance/report.xlsx?{period}"), Credentials::Cookie(&leader)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], XLSX);
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    assert!(response.bytes().await.unwrap().starts_with(b"PK"));
    let response = server.get(&format!("/api/v1/compliance/report.pdf?{period}"), Credentials::Cookie(&leader)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    for path in ["report", "report.pdf", "report.xlsx"] {
        let response = server.get(&format!("/api/v1/compliance/{path}"), Credentials::Cookie(&zhang)).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    for (query, status) in [
        ("from=2026-13-01", StatusCode::BAD_REQUEST),
        ("from=yesterday", StatusCode::BAD_REQUEST),
        ("from=2026-11-30&to=2026-11-01", StatusCode::BAD_REQUEST),
        ("to=9999-12-31", StatusCode::BAD_REQUEST),
        ("unit=x", StatusCode::BAD_REQUEST),
        ("unit=0190d2b6-7f4e-7c4a-9c47-4f3c2f1e0a11", StatusCode::NOT_FOUND),
    ] {
        let response = server.get(&format!("/api/v1/compliance/report?{query}"), Credentials::Cookie(&leader)).await;
        assert_eq!(response.status(), status, "{query}");
        assert!(!error_of(response).await.is_empty());
    }
}

async fn recordings_are_labelled_by_officers(server: TestServer) {
    let media = &server.fixture.media[2];
    server.add_recording(media, server.fixture.officers[1], Timestamp::now() - SignedDuration::from_hours(3)).await;
    let li = server.sign_in(&server.fixture.second_officer).await;
    let leader = server.sign_in(&server.fixture.leader).await;
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let labels = format!("/api/v1/recordings/{}/labels", media.id);
    let label = json!({ "item": "其他", "location": "中山路", "label": "日常巡查，无违法行为" });

    let response = post(&server, &labels, Credentials::CookieAndCsrf(&leader), &label).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a leader without an officer does not label");
    let response = post(&server, &labels, Credentials::Bearer(&server.fixture.workstation_token), &label).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&server, &labels, Credentials::CookieAndCsrf(&li), &json!({ "item": "巡逻", "label": "x" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("其他 (other)"));
    let response = post(&server, &labels, Credentials::CookieAndCsrf(&li), &json!({ "item": "other", "label": "标".repeat(2001) })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response =
        post(&server, &labels, Credentials::CookieAndCsrf(&li), &json!({ "item": "other", "label": "x", "officer": "0203001" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "the officer is the signed-in one, not named in the body");
    let stored_only = format!("/api/v1/recordings/{}/labels", server.fixture.media[0].id);
    assert_eq!(post(&server, &stored_only, Credentials::CookieAndCsrf(&li), &label).await.status(), StatusCode::NOT_FOUND);

    let response = post(&server, &labels, Credentials::CookieAndCsrf(&li), &label).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let made: Value = response.json().await.unwrap();
    assert_eq!(made["item"], "other");
    assert_eq!(made["officer_id"], server.fixture.officers[1].to_string());
    let response = post(&server, &labels, Credentials::CookieAndCsrf(&li), &json!({ "item": "on_site_inspection", "label": "补充" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let entries = server.entries_for("recording.labeled").await;
    assert_eq!(entries.len(), 2);
    assert!(!entries[0].payload_json.contains("日常巡查"), "the ledger keeps the label's digest");

    let by_sha256 = format!("/api/v1/recordings/{}/labels", media.sha256);
    let listed = json_of(&server, &by_sha256, Credentials::Cookie(&archivist)).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["label"], "日常巡查，无违法行为");
    assert_eq!(listed[1]["sequence"], 1);
    assert_eq!(server.get("/api/v1/recordings/nonsense/labels", Credentials::Cookie(&li)).await.status(), StatusCode::BAD_REQUEST);
    let unknown = format!("/api/v1/recordings/{}/labels", "0".repeat(64));
    assert_eq!(server.get(&unknown, Credentials::Cookie(&li)).await.status(), StatusCode::NOT_FOUND);
}

async fn without_a_pack_compliance_is_unavailable(server: TestServer) {
    assert!(liuhen_server::spawn_compliance_refresher(&server.state).is_none());
    let leader = server.sign_in(&server.fixture.leader).await;
    for path in [
        "/api/v1/compliance/pack",
        "/api/v1/compliance/findings",
        "/api/v1/compliance/deadlines",
        "/api/v1/compliance/report",
        "/api/v1/cases/1/av-checklist",
    ] {
        let response = server.get(path, Credentials::Cookie(&leader)).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(error_of(response).await.contains("liuhen pack use NAME"), "{path}");
    }
    let response = post(&server, "/api/v1/compliance/refresh", Credentials::CookieAndCsrf(&leader), &json!({})).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Cases go on as before, with nobody to tell.
    let zhang = server.sign_in(&server.fixture.officer).await;
    open_case(&server, Credentials::CookieAndCsrf(&zhang)).await;
}

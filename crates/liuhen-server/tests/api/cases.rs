//! Cases over the API: who may open, read and move a case, and the rules'
//! refusals arriving as 422 with their article.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(
    handlers_open_and_move_their_case,
    others_are_kept_out,
    rules_refuse_with_their_article,
    documents_are_made_signed_and_corrected,
    complainants_are_protected_and_told,
    the_list_filters_and_pages,
    document_kinds_name_their_fields,
);

fn penalty(lead: &str, handlers: &[&str]) -> Value {
    json!({
        "act_kind": "penalty",
        "source": "complaint",
        "matter": "占道经营",
        "number": "思城管罚〔2026〕7号",
        "lead": lead,
        "handlers": handlers,
        "parties": [{ "kind": "person", "name": "王五", "id_number": "350203199001011234" }],
    })
}

async fn post(server: &TestServer, path: &str, credentials: Credentials<'_>, body: &Value) -> reqwest::Response {
    server.request(Method::POST, path, credentials).json(body).send().await.unwrap()
}

async fn handlers_open_and_move_their_case(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let li = server.sign_in(&server.fixture.second_officer).await;
    let response = post(&server, "/api/v1/cases", Credentials::CookieAndCsrf(&zhang), &penalty("0203001", &["0203002"])).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let case: Value = response.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_owned();
    let opened = server.entries_for("case.opened").await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].entry.actor, server.fixture.officer.id.subject(), "the ledger names who opened it");

    for (who, stage) in [(&zhang, "intake"), (&li, "filing"), (&zhang, "investigation")] {
        // Filing before its approval, as an emergency (大连 第六条).
        let body = json!({ "stage": stage, "emergency": stage == "filing" });
        let response = post(&server, &format!("/api/v1/cases/{id}/stages"), Credentials::CookieAndCsrf(who), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{stage}");
    }
    let leader = server.sign_in(&server.fixture.leader).await;
    let response = post(
        &server,
        &format!("/api/v1/cases/{id}/stages"),
        Credentials::CookieAndCsrf(&leader),
        &json!({ "stage": "review_decision", "note": "同意处罚" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED, "a unit leader may move any case");

    // The case number works as well as the id.
    let view: Value = server.get("/api/v1/cases/思城管罚〔2026〕7号", Credentials::Cookie(&li)).await.json().await.unwrap();
    assert_eq!(view["current_stage"], "review_decision");
    assert!(view["start_approval_due"].is_string(), "the emergency start awaits its approval");
    assert_eq!(view["next_start_approval"], "handler");

    // The approval chain, each opinion from the role that gives it.
    let approvals = format!("/api/v1/cases/{id}/approvals");
    let opinion = |role: &str| json!({ "matter": "start", "role": role, "opinion": "同意立案" });
    let response = post(&server, &approvals, Credentials::CookieAndCsrf(&leader), &opinion("handler")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "the leader does not handle the case");
    let response = post(&server, &approvals, Credentials::CookieAndCsrf(&zhang), &opinion("handler")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = post(&server, &approvals, Credentials::CookieAndCsrf(&zhang), &opinion("reviewer")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "an officer does not review");
    let response = post(&server, &approvals, Credentials::CookieAndCsrf(&leader), &opinion("approver")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "the reviewer comes first");
    assert!(error_of(response).await.contains("大连 第二十八条"));
    for role in ["reviewer", "approver"] {
        let response = post(&server, &approvals, Credentials::CookieAndCsrf(&leader), &opinion(role)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{role}");
    }
    let after: Value = server.get(&format!("/api/v1/cases/{id}"), Credentials::Cookie(&li)).await.json().await.unwrap();
    assert_eq!(after["start_approval_due"], Value::Null);
    assert_eq!(after["approvals"][0]["officer_id"], after["case"]["lead_officer"], "recorded as the signed-in officer's");
    assert_eq!(server.entries_for("case.approval").await.len(), 3);
    assert_eq!(view["steps"].as_array().unwrap().len(), 4);
    assert_eq!(view["remaining_stages"], json!(["service", "conclusion"]));
    let listed: Value = server.get("/api/v1/cases", Credentials::Cookie(&zhang)).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

async fn others_are_kept_out(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let response = post(&server, "/api/v1/cases", Credentials::CookieAndCsrf(&zhang), &penalty("0203001", &["0203002"])).await;
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // An officer who does not handle it neither sees nor moves it.
    let chen = server.sign_in(&server.fixture.other_officer).await;
    assert_eq!(server.get(&format!("/api/v1/cases/{id}"), Credentials::Cookie(&chen)).await.status(), StatusCode::NOT_FOUND);
    let response =
        post(&server, &format!("/api/v1/cases/{id}/stages"), Credentials::CookieAndCsrf(&chen), &json!({ "stage": "intake" })).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let listed: Value = server.get("/api/v1/cases", Credentials::Cookie(&chen)).await.json().await.unwrap();
    assert_eq!(listed, json!([]));
    // …nor opens a case for others.
    let response = post(&server, "/api/v1/cases", Credentials::CookieAndCsrf(&chen), &penalty("0203001", &["0203002"])).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // An archivist reads it but may not move it.
    let archivist = server.sign_in(&server.fixture.archivist).await;
    assert_eq!(server.get(&format!("/api/v1/cases/{id}"), Credentials::Cookie(&archivist)).await.status(), StatusCode::OK);
    let response =
        post(&server, &format!("/api/v1/cases/{id}/stages"), Credentials::CookieAndCsrf(&archivist), &json!({ "stage": "intake" })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Machines do not handle cases; nobody anonymous reads them.
    let response = server.get("/api/v1/cases", Credentials::Bearer(&server.fixture.workstation_token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/cases", Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED);
    // A state change without the CSRF token is refused.
    let response = post(&server, &format!("/api/v1/cases/{id}/stages"), Credentials::Cookie(&zhang), &json!({ "stage": "intake" })).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(server.entries_for("case.stage").await.is_empty(), "nothing refused was recorded");
}

async fn rules_refuse_with_their_article(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let credentials = Credentials::CookieAndCsrf(&zhang);
    // 叶县 第七、八条: an assistant does not lead.
    let response = post(&server, "/api/v1/cases", credentials, &penalty("X0203017", &["0203001", "0203002"])).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("叶县 第七、八条"));
    // 厦门 四（一）: two officers.
    let response = post(&server, "/api/v1/cases", credentials, &penalty("0203001", &[])).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("厦门 四（一）"));

    let response = post(&server, "/api/v1/cases", credentials, &penalty("0203001", &["0203002"])).await;
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let response = post(&server, "/api/v1/cases", credentials, &penalty("0203001", &["0203002"])).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "the same number twice");
    // 丰台 第四条: no decision before investigation.
    post(&server, &format!("/api/v1/cases/{id}/stages"), credentials, &json!({ "stage": "intake" })).await;
    let response = post(&server, &format!("/api/v1/cases/{id}/stages"), credentials, &json!({ "stage": "review_decision" })).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("丰台 第四条"));

    // Malformed requests get a sentence, and nothing is saved.
    let response = post(&server, &format!("/api/v1/cases/{id}/stages"), credentials, &json!({ "stage": "decide" })).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let mut extra = penalty("0203001", &["0203002"]);
    extra["number"] = json!("另一个");
    extra["surprise"] = json!(true);
    let response = post(&server, "/api/v1/cases", credentials, &extra).await;
    assert!(response.status().is_client_error());
    let mut long = penalty("0203001", &["0203002"]);
    long["number"] = json!("长");
    long["matter"] = json!("占".repeat(2001));
    let response = post(&server, "/api/v1/cases", credentials, &long).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(error_of(response).await.contains("longer than 2000"));
    assert_eq!(server.entries_for("case.opened").await.len(), 1);
    assert_eq!(server.entries_for("case.stage").await.len(), 1);
}

async fn documents_are_made_signed_and_corrected(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let credentials = Credentials::CookieAndCsrf(&zhang);
    let response = post(&server, "/api/v1/cases", credentials, &penalty("0203001", &["0203002"])).await;
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    for (stage, emergency) in [("intake", false), ("filing", true), ("investigation", false)] {
        let response =
            post(&server, &format!("/api/v1/cases/{id}/stages"), credentials, &json!({ "stage": stage, "emergency": emergency })).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{stage}");
    }
    let documents = format!("/api/v1/cases/{id}/documents");
    let inquiry = json!({
        "kind": "inquiry_record",
        "stage": "investigation",
        "legal_basis": "《行政处罚法》第五十五条",
        "fields": { "place": "中山路 12 号", "started_at": "10:00", "ended_at": "10:30", "questions_and_answers": "问：……答：……" },
    });
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let response = post(&server, &documents, Credentials::CookieAndCsrf(&archivist), &inquiry).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "only handlers make documents");
    let response = post(
        &server,
        &documents,
        credentials,
        &json!({ "kind": "inquiry_record", "stage": "investigation", "legal_basis": "x", "fields": {} }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("大连 第八、十条"));
    let response = post(&server, &documents, credentials, &inquiry).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let made: Value = response.json().await.unwrap();
    let document = made["id"].as_str().unwrap().to_owned();

    let signatures = format!("{documents}/{document}/signatures");
    let officer = json!({ "signer": { "role": "officer", "badge": "0203001", "certificate_shown": true } });
    assert_eq!(post(&server, &signatures, credentials, &officer).await.status(), StatusCode::CREATED);
    let no_witness = json!({ "signer": { "role": "party", "name": "王五" }, "refusal": { "reason": "不认可", "witness": "" } });
    let response = post(&server, &signatures, credentials, &no_witness).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("大连 第十条"));
    let refusal = json!({ "signer": { "role": "party", "name": "王五" }, "refusal": { "reason": "不认可", "witness": "社区干部赵六" } });
    assert_eq!(post(&server, &signatures, credentials, &refusal).await.status(), StatusCode::CREATED);

    let correction = json!({ "kind": "inquiry_record", "stage": "investigation", "corrects": document, "reason": "门牌号笔误", "fields": { "place": "中山路 21 号" } });
    let response = post(&server, &documents, credentials, &correction).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let corrected: Value = response.json().await.unwrap();
    assert_eq!(corrected["version"], 2);
    assert_eq!(corrected["made_by"], made["made_by"], "made by the signed-in officer");
    let response = post(&server, &signatures, credentials, &officer).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "the corrected version is not signed any more");
    let listed: Value = server.get(&documents, Credentials::Cookie(&archivist)).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["superseded_by"], corrected["id"]);

    // Archiving waits for the conclusion (大连 第二十二条), and is the archivist's.
    let response = post(&server, &format!("/api/v1/cases/{id}/archive"), credentials, &json!({})).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&server, &format!("/api/v1/cases/{id}/archive"), Credentials::CookieAndCsrf(&archivist), &json!({})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("大连 第二十二条"));
    // Printed forms, for those who may read the case.
    let response = server.get(&format!("/api/v1/cases/{id}/index.pdf"), Credentials::Cookie(&archivist)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    let response = server.get(&format!("{documents}/{document}/pdf"), Credentials::Cookie(&zhang)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    let chen = server.sign_in(&server.fixture.other_officer).await;
    assert_eq!(server.get(&format!("/api/v1/cases/{id}/index.pdf"), Credentials::Cookie(&chen)).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(server.entries_for("document.made").await.len(), 2);
    assert_eq!(server.entries_for("document.signed").await.len(), 2);
}

async fn complainants_are_protected_and_told(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let leader = server.sign_in(&server.fixture.leader).await;
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let named = json!({
        "channel": "phone",
        "complainant": { "name": "赵六", "phone": "13800000000" },
        "content": "夜间施工噪音",
        "location": "中山路 12 号",
    });
    let response = post(&server, "/api/v1/complaints", Credentials::CookieAndCsrf(&archivist), &named).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(&server, "/api/v1/complaints", Credentials::CookieAndCsrf(&zhang), &named).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let received = server.entries_for("complaint.received").await;
    assert!(
        !received[0].payload_json.contains("赵六") && !received[0].payload_json.contains("13800000000"),
        "the ledger does not name the complainant"
    );

    let for_officer: Value = server.get("/api/v1/complaints", Credentials::Cookie(&zhang)).await.json().await.unwrap();
    assert_ne!(for_officer[0]["complaint"]["complainant"]["name"], "赵六", "an officer does not see who complained");
    assert_eq!(for_officer[0]["complaint"]["complainant"]["phone"], Value::Null);
    let for_leader: Value = server.get("/api/v1/complaints", Credentials::Cookie(&leader)).await.json().await.unwrap();
    assert_eq!(for_leader[0]["complaint"]["complainant"]["name"], "赵六");

    let decision = format!("/api/v1/complaints/{id}/decision");
    let untold = json!({ "kind": "no_case", "reason": "不属于本机关职责", "notice": null });
    let response = post(&server, &decision, Credentials::CookieAndCsrf(&zhang), &untold).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "a leader decides");
    let response = post(&server, &decision, Credentials::CookieAndCsrf(&leader), &untold).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error_of(response).await.contains("大连 第七条"));
    let told = json!({ "kind": "no_case", "reason": "不属于本机关职责", "notice": { "method": "电话告知", "notified_at": "2026-11-24T10:00:00+08:00" } });
    assert_eq!(post(&server, &decision, Credentials::CookieAndCsrf(&leader), &told).await.status(), StatusCode::CREATED);
    let response = post(&server, &decision, Credentials::CookieAndCsrf(&leader), &told).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "decided once");
}

/// The numbers of the cases `query` lists for `who`, and the total it reports.
async fn listed(server: &TestServer, who: &crate::support::BrowserSession, query: &str) -> (Vec<String>, String) {
    let response = server.get(&format!("/api/v1/cases{query}"), Credentials::Cookie(who)).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let total = response.headers()["x-total-count"].to_str().unwrap().to_owned();
    let cases: Value = response.json().await.unwrap();
    let numbers = cases.as_array().unwrap().iter().map(|view| view["case"]["number"].as_str().unwrap().to_owned()).collect();
    (numbers, total)
}

async fn the_list_filters_and_pages(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let credentials = Credentials::CookieAndCsrf(&zhang);
    let mut ids = Vec::new();
    for (number, kind, matter, party, lead, handler) in [
        ("思城管罚〔2026〕7号", "penalty", "占道经营", "王五", "0203001", "0203002"),
        ("思城管检〔2026〕8号", "inspection", "夜间施工噪音扰民", "鹭岛餐饮有限公司", "0203002", "0203001"),
        ("思城管罚〔2026〕9号", "penalty", "违规张贴广告", "李四", "0203001", "0203003"),
    ] {
        let body = json!({
            "act_kind": kind, "source": "patrol", "matter": matter, "number": number, "lead": lead, "handlers": [handler],
            "parties": [{ "kind": "person", "name": party, "id_number": null }],
        });
        let response = post(&server, "/api/v1/cases", credentials, &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{number}");
        ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let response = post(&server, &format!("/api/v1/cases/{}/stages", ids[0]), credentials, &json!({ "stage": "intake" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let all = listed(&server, &zhang, "").await;
    assert_eq!(all, (vec!["思城管罚〔2026〕7号".into(), "思城管检〔2026〕8号".into(), "思城管罚〔2026〕9号".into()], "3".into()));
    let only = |number: &str| (vec![number.to_owned()], "1".to_owned());
    assert_eq!(listed(&server, &zhang, "?act_kind=inspection").await, only("思城管检〔2026〕8号"));
    assert_eq!(listed(&server, &zhang, "?act_kind=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A").await.1, "2", "行政处罚 reads too");
    assert_eq!(listed(&server, &zhang, "?stage=intake").await, only("思城管罚〔2026〕7号"));
    assert_eq!(listed(&server, &zhang, "?party=%E7%8E%8B").await, only("思城管罚〔2026〕7号"), "party name contains 王");
    assert_eq!(listed(&server, &zhang, "?matter=%E5%99%AA%E9%9F%B3").await, only("思城管检〔2026〕8号"), "matter contains 噪音");
    assert_eq!(listed(&server, &zhang, "?q=9%E5%8F%B7").await, only("思城管罚〔2026〕9号"), "q reads the number");
    assert_eq!(listed(&server, &zhang, "?q=%E6%9D%8E%E5%9B%9B").await, only("思城管罚〔2026〕9号"), "q reads the parties");
    assert_eq!(listed(&server, &zhang, "?officer=0203003").await, only("思城管罚〔2026〕9号"), "a handler, by badge");
    let chen = server.fixture.officers[2].to_string();
    assert_eq!(listed(&server, &zhang, &format!("?officer={chen}")).await, only("思城管罚〔2026〕9号"), "a handler, by id");
    assert_eq!(listed(&server, &zhang, &format!("?unit={}", server.fixture.unit)).await.1, "3");
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date();
    assert_eq!(listed(&server, &zhang, &format!("?from={today}&to={today}")).await.1, "3", "`to` includes its whole day");
    assert_eq!(listed(&server, &zhang, "?to=2000-01-01").await, (vec![], "0".into()));
    assert_eq!(listed(&server, &zhang, "?unit=&stage=&q=").await.1, "3", "blank fields filter nothing");
    // Pages: the total stays, the page moves.
    assert_eq!(listed(&server, &zhang, "?order=newest&limit=1").await, (vec!["思城管罚〔2026〕9号".into()], "3".into()));
    assert_eq!(listed(&server, &zhang, "?limit=1&offset=1").await, (vec!["思城管检〔2026〕8号".into()], "3".into()));
    assert_eq!(listed(&server, &zhang, "?stage=intake&limit=1&offset=1").await, (vec![], "1".into()));
    // Only what the person may read is listed, filters or not.
    let chen_session = server.sign_in(&server.fixture.other_officer).await;
    assert_eq!(listed(&server, &chen_session, "?act_kind=penalty").await, only("思城管罚〔2026〕9号"));

    // Bad values are named in the answer.
    for (query, says) in [
        ("?act_kind=fine", "不是执法行为种类"),
        ("?stage=decide", "不是程序环节"),
        ("?from=2026-13-01", "不是有效日期"),
        ("?from=2026-12-02&to=2026-12-01", "开始日期晚于结束日期"),
        ("?officer=9999999", "没有执法人员"),
        ("?unit=NOPE", "没有单位"),
        ("?limit=0", "每页条数"),
        ("?offset=-1", "起始位置"),
        ("?order=random", "不是排序方式"),
        ("?surprise=1", "query string"),
    ] {
        let response = server.get(&format!("/api/v1/cases{query}"), Credentials::Cookie(&zhang)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let error = error_of(response).await;
        assert!(error.contains(says), "{query}: {error}");
    }

    // A legal hold in force shows on the case, in the list and on its own.
    let archivist = server.sign_in(&server.fixture.archivist).await;
    let hold = json!({ "target": { "kind": "case", "id": ids[1] }, "reason": "dispute", "note": "当事人不认可" });
    assert_eq!(post(&server, "/api/v1/holds", Credentials::CookieAndCsrf(&archivist), &hold).await.status(), StatusCode::CREATED);
    let cases: Value = server.get("/api/v1/cases", Credentials::Cookie(&zhang)).await.json().await.unwrap();
    let held: Vec<bool> = cases.as_array().unwrap().iter().map(|view| view["held"].as_bool().unwrap()).collect();
    assert_eq!(held, [false, true, false]);
    let one: Value = server.get(&format!("/api/v1/cases/{}", ids[1]), Credentials::Cookie(&zhang)).await.json().await.unwrap();
    assert_eq!((one["held"].as_bool(), one["case"]["matter"].as_str()), (Some(true), Some("夜间施工噪音扰民")));
}

async fn document_kinds_name_their_fields(server: TestServer) {
    let zhang = server.sign_in(&server.fixture.officer).await;
    let kinds: Value = server.get("/api/v1/document-kinds", Credentials::Cookie(&zhang)).await.json().await.unwrap();
    let inquiry = kinds.as_array().unwrap().iter().find(|kind| kind["kind"] == "inquiry_record").unwrap();
    assert_eq!(inquiry["label_zh"], "询问笔录");
    assert_eq!(inquiry["article"], "大连 第八、十条");
    assert_eq!(inquiry["fields"][0], json!({ "name": "place", "label_zh": "地点" }));
    let receipt = kinds.as_array().unwrap().iter().find(|kind| kind["kind"] == "service_receipt").unwrap();
    assert!(receipt["choices"]["method"].as_array().unwrap().contains(&json!("留置送达")));
    assert!(receipt["optional_fields"].as_array().unwrap().contains(&json!({ "name": "witness", "label_zh": "见证人" })));
    assert_eq!(server.get("/api/v1/document-kinds", Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED);
}

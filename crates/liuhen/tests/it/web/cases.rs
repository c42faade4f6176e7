//! The case pages (案件): the list and its filters, opening a case, and a
//! case walked from filing to archive through the page's forms alone, by
//! the officer handling it, the unit leader and the legal reviewer.

use reqwest::StatusCode;

use super::support::{DemoServer, Page, WebClient, LEADER, OFFICER, REVIEWER};

const DEMO_MATTER: &str = "擅自占用人行道摆摊经营";

/// `text` percent-encoded for a query string.
fn encoded(text: &str) -> String {
    text.bytes().map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") }).collect()
}

/// Posts a form of `page` (its CSRF token added) and expects the redirect
/// back with a notice; returns the page it leads to.
async fn submit(client: &mut WebClient, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = client.get("/").await.csrf();
    let mut with_token = vec![("csrf", csrf.as_str())];
    with_token.extend_from_slice(fields);
    let answer = client.post_form(path, &with_token).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path} {fields:?}: {}", answer.body);
    let page = client.follow(&answer).await;
    assert!(page.body.contains("class=\"flash ok\""), "{path} {fields:?} should succeed:\n{}", notice(&page));
    page
}

/// The notice at the top of a page, for failure messages.
fn notice(page: &Page) -> String {
    page.body.split("class=\"flash").nth(1).map_or_else(|| "(no notice)".to_owned(), |rest| rest.chars().take(400).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_filters_through_the_api() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let page = officer.get("/cases").await;
    page.shows(&["思城管罚〔", DEMO_MATTER, "王五", "张伟", "思明区大队一中队", "调查取证", "冻结", "href=\"/cases/new\""]);
    assert!(page.body.contains("<th scope=\"col\">案号</th>"));

    let matching = officer.get(&format!("/cases?matter={}&act_kind=penalty", encoded("摆摊"))).await;
    matching.shows(&[DEMO_MATTER, "value=\"摆摊\""]);
    let other = officer.get(&format!("/cases?party={}", encoded("查无此人"))).await;
    other.shows(&["没有符合条件的案件", "共 0 件", "value=\"查无此人\""]);
    assert!(!other.body.contains(DEMO_MATTER), "a filter that does not match lists nothing");
    officer.get("/cases?stage=investigation").await.shows(&[DEMO_MATTER]);
    assert!(!officer.get("/cases?stage=filing").await.body.contains(DEMO_MATTER));

    // The officer filter takes what a person knows: a name or a badge number.
    let mut leader = server.signed_in(LEADER).await;
    leader.get(&format!("/cases?officer={}", encoded("张伟"))).await.shows(&[DEMO_MATTER, "value=\"张伟\""]);
    leader.get("/cases?officer=35020011").await.shows(&[DEMO_MATTER, "value=\"35020011\""]);
    let nobody = leader.get(&format!("/cases?officer={}", encoded("查无此人"))).await;
    assert_eq!(nobody.status, StatusCode::BAD_REQUEST, "{}", nobody.body);
    for kept in ["没有执法人员“查无此人”", "value=\"查无此人\""] {
        assert!(nobody.body.contains(kept), "`{kept}` should be on the page:\n{}", nobody.body);
    }

    // A bad value comes back with the API's own sentence, the form as typed.
    let bad = officer.get("/cases?from=2026-13-01&matter=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("不是有效日期"), "{}", bad.body);
    assert!(bad.body.contains("value=\"2026-13-01\"") && bad.body.contains("value=\"x\""), "the filters are kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_case_keeps_what_was_typed() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let before = officer.get("/cases").await.body.matches("<th scope=\"row\">").count();
    let form = officer.get("/cases/new").await;
    form.shows(&["执法行为种类", "行政处罚", "巡查发现", "其他承办人员", "李娜（35020012）", "<label for=\"f-matter\">"]);
    // 厦门 四（一）: a general-procedure case has two qualified officers.
    let csrf = form.csrf();
    let refused = officer
        .post_form(
            "/cases/new",
            &[
                ("csrf", &csrf),
                ("act_kind", "penalty"),
                ("procedure", "general"),
                ("source", "patrol"),
                ("matter", "夜间违规施工"),
                ("number", "思城管罚〔测试〕5号"),
                ("lead", "35020011"),
                ("handlers", "35020013"),
                ("party_kind_0", "organisation"),
                ("party_name_0", "鹭岛建筑有限公司"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    for kept in
        ["厦门 四（一）", "夜间违规施工", "value=\"思城管罚〔测试〕5号\"", "value=\"鹭岛建筑有限公司\"", "value=\"35020013\" checked"]
    {
        assert!(refused.body.contains(kept), "`{kept}` should be on the page sent back:\n{}", refused.body);
    }
    assert_eq!(officer.get("/cases").await.body.matches("<th scope=\"row\">").count(), before, "nothing was opened");
    officer.get(&format!("/cases?q={}", encoded("夜间违规施工"))).await.shows(&["没有符合条件的案件"]);
}

/// The id in a `/cases/{id}` location.
fn case_id(location: &str) -> String {
    location.trim_start_matches("/cases/").split(['#', '?']).next().unwrap().to_owned()
}

/// The id of the last document whose signature form is on the page.
fn last_document(page: &Page) -> String {
    let marker = "/documents/";
    let start = page.body.rfind("/signatures\"").expect("a document with a signature form");
    let before = &page.body[..start];
    before[before.rfind(marker).unwrap() + marker.len()..].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_case_walks_from_filing_to_archive() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let mut leader = server.signed_in(LEADER).await;
    let mut reviewer = server.signed_in(REVIEWER).await;

    // Filing (立案) through the form.
    let csrf = officer.get("/cases/new").await.csrf();
    let opened = officer
        .post_form(
            "/cases/new",
            &[
                ("csrf", &csrf),
                ("act_kind", "penalty"),
                ("procedure", "general"),
                ("source", "patrol"),
                ("matter", "擅自在人行道堆放建筑材料"),
                ("number", "思城管罚〔测试〕9号"),
                ("lead", "35020011"),
                ("handlers", "35020012"),
                ("party_kind_0", "person"),
                ("party_name_0", "李四"),
                ("party_id_0", ""),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let id = case_id(opened.location.as_deref().unwrap());
    let base = format!("/cases/{id}");
    officer.follow(&opened).await.shows(&[
        "已立案：思城管罚〔测试〕9号",
        "擅自在人行道堆放建筑材料",
        "李四",
        "张伟、李娜",
        "立案审批：待承办人意见",
    ]);

    submit(&mut officer, &format!("{base}/stages"), &[("stage", "intake"), ("note", "巡查发现")]).await;
    // The filing approval: the handler proposes, the leader reviews and approves.
    let page = submit(
        &mut officer,
        &format!("{base}/approvals"),
        &[("matter", "start"), ("role", "handler"), ("opinion", "拟立案调查"), ("approved", "yes")],
    )
    .await;
    page.shows(&["立案审批：待审核人意见", "拟立案调查"]);
    assert!(!page.body.contains("name=\"opinion\""), "the officer does not review");
    for role in ["reviewer", "approver"] {
        submit(
            &mut leader,
            &format!("{base}/approvals"),
            &[("matter", "start"), ("role", role), ("opinion", "同意立案"), ("approved", "yes")],
        )
        .await;
    }
    submit(&mut officer, &format!("{base}/stages"), &[("stage", "filing")]).await;
    submit(&mut officer, &format!("{base}/stages"), &[("stage", "investigation"), ("note", "现场检查")]).await;

    // An inquiry record: the form asks for its fields; a missing one is refused, what was typed kept.
    let form = officer.get(&format!("{base}?kind=inquiry_record")).await;
    form.shows(&["询问笔录应载明下列栏目（大连 第八、十条）", "<label for=\"f-doc-place\">地点", "询问内容"]);
    let csrf = form.csrf();
    let mut inquiry = vec![
        ("csrf", csrf.as_str()),
        ("kind", "inquiry_record"),
        ("stage", "investigation"),
        ("field.place", "思明区中山路 30 号"),
        ("field.started_at", "10:00"),
        ("field.ended_at", "10:20"),
        ("legal_basis", "《中华人民共和国行政处罚法》第五十五条"),
    ];
    let refused = officer.post_form(&format!("{base}/documents"), &inquiry).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    for kept in
        ["大连 第八、十条", "questions_and_answers", "value=\"思明区中山路 30 号\"", "value=\"《中华人民共和国行政处罚法》第五十五条\""]
    {
        assert!(refused.body.contains(kept), "`{kept}` should be on the page sent back:\n{}", refused.body);
    }
    inquiry.push(("field.questions_and_answers", "问：材料是谁的？\n答：是我的。"));
    let answer = officer.post_form(&format!("{base}/documents"), &inquiry).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let page = officer.follow(&answer).await;
    page.shows(&["已制作文书（第1版）", "询问笔录", "未签名"]);
    let inquiry_id = last_document(&page);
    let signatures = format!("{base}/documents/{inquiry_id}/signatures");
    submit(&mut officer, &signatures, &[("role", "officer"), ("badge", "35020011"), ("certificate_shown", "yes")]).await;
    let page = submit(
        &mut officer,
        &signatures,
        &[("role", "party"), ("name", "李四"), ("refused", "yes"), ("refusal_reason", "不认可"), ("refusal_witness", "社区工作人员孙某")],
    )
    .await;
    page.shows(&["执法人员 张伟（证号 闽执 350200011，已出示执法证）", "拒签：不认可（见证人 社区工作人员孙某）"]);

    // A recording of the questioning, linked by its id.
    let media: serde_json::Value = serde_json::from_str(&officer.get("/api/v1/media?limit=10").await.body).unwrap();
    let recording =
        media["media"].as_array().and_then(|media| media.last()).expect("the demo has recordings")["id"].as_str().unwrap().to_owned();
    let link = [
        ("media", "not-a-record"),
        ("stage", "investigation"),
        ("item", "questioning"),
        ("location", "思明区中山路 30 号"),
        ("label", "询问李四"),
    ];
    let csrf = officer.get(&base).await.csrf();
    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(&link);
    let refused = officer.post_form(&format!("{base}/links"), &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("neither a media id nor a SHA-256") && refused.body.contains("value=\"询问李四\""), "{}", refused.body);
    let mut link = link.to_vec();
    link[0].1 = &recording;
    submit(&mut officer, &format!("{base}/links"), &link).await.shows(&[
        "已关联音像记录",
        "音像记录：询问李四",
        &format!("/recordings/{recording}"),
    ]);

    // Or chosen from the handlers' recordings that no case claims yet,
    // from three days before the case was opened on: 张伟's clip of an hour
    // ago is offered, his clip of three days and more ago is not.
    let unlinked: serde_json::Value =
        serde_json::from_str(&officer.get("/api/v1/recordings?officer=35020011&linked=no&limit=50").await.body).unwrap();
    let recent = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(71);
    let (offered, older): (Vec<_>, Vec<_>) = unlinked["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["media_id"] != recording.as_str())
        .partition(|r| r["corrected_start"].as_str().and_then(|t| t.parse::<jiff::Timestamp>().ok()).is_some_and(|t| t > recent));
    assert!(!offered.is_empty() && !older.is_empty(), "the demo's clips of 张伟: {unlinked}");
    let page = officer.get(&base).await;
    page.shows(&["承办人员未关联的记录", "name=\"pick\""]);
    for r in &offered {
        assert!(page.body.contains(&format!("<option value=\"{}\"", r["media_id"].as_str().unwrap())), "{r} is offered");
    }
    for r in &older {
        assert!(!page.body.contains(r["media_id"].as_str().unwrap()), "{r} is too old to offer");
    }
    let chosen = offered[0]["media_id"].as_str().unwrap();
    let picked = [
        ("media", ""),
        ("pick", chosen),
        ("stage", "investigation"),
        ("item", "on_site_inspection"),
        ("location", "思明区中山路 30 号"),
        ("label", "现场检查"),
    ];
    let page = submit(&mut officer, &format!("{base}/links"), &picked).await;
    page.shows(&["已关联音像记录", "音像记录：现场检查", &format!("/recordings/{chosen}")]);
    assert!(!page.body.contains(&format!("<option value=\"{chosen}\"")), "a linked record is no longer offered");

    // The decision: its chain of four, from three people.
    submit(&mut leader, &format!("{base}/stages"), &[("stage", "review_decision")]).await;
    let decision = |role: &'static str| [("matter", "decision"), ("role", role), ("opinion", "同意罚款二百元"), ("approved", "yes")];
    submit(&mut officer, &format!("{base}/approvals"), &decision("handler")).await;
    submit(&mut leader, &format!("{base}/approvals"), &decision("reviewer")).await;
    reviewer.get(&base).await.shows(&["决定审批：待法制审核意见", "name=\"opinion\""]);
    submit(&mut reviewer, &format!("{base}/approvals"), &decision("legal_review")).await;
    submit(&mut leader, &format!("{base}/approvals"), &decision("approver")).await;
    let fields = [
        ("kind", "penalty_decision"),
        ("stage", "review_decision"),
        ("field.facts", "在人行道堆放建筑材料"),
        ("field.evidence", "询问笔录、现场录像"),
        ("field.decision", "罚款二百元"),
        ("field.rights_notified", "陈述、申辩、听证"),
        ("legal_basis", "《城市市容和环境卫生管理条例》第三十六条"),
    ];
    let page = submit(&mut officer, &format!("{base}/documents"), &fields).await;
    let decision_id = last_document(&page);

    // Served, then concluded.
    submit(&mut officer, &format!("{base}/stages"), &[("stage", "service")]).await;
    // A minute ahead: the form reads minutes, and the receipt may not predate the decision.
    let served_at = (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(2))
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let form = officer.get(&format!("{base}?kind=service_receipt")).await;
    form.shows(&["<label for=\"f-doc-document\">送达文书", "直接送达", &format!("value=\"{decision_id}\"")]);
    let receipt = [
        ("kind", "service_receipt"),
        ("stage", "service"),
        ("field.document", decision_id.as_str()),
        ("field.method", "直接送达"),
        ("field.served_at", served_at.as_str()),
        ("field.recipient", "李四"),
        ("legal_basis", "《中华人民共和国行政处罚法》第六十一条"),
    ];
    submit(&mut officer, &format!("{base}/documents"), &receipt).await.shows(&["送达回证"]);
    let page = submit(&mut officer, &format!("{base}/stages"), &[("stage", "conclusion"), ("note", "已缴纳罚款")]).await;
    page.shows(&["已进入终结环节", "已办结"]);
    assert!(!page.body.contains("/archive\""), "an officer does not archive");

    // Archived by the leader.
    let page = submit(&mut leader, &format!("{base}/archive"), &[("note", "材料齐全")]).await;
    page.shows(&["已归档", "<li class=\"stage\">", "进入立案环节", "进入终结环节", "制作询问笔录（第1版）", "立案审批·承办人意见"]);
    let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap()..page.body.find("id=\"documents\"").unwrap()];
    let filing = timeline.find("进入立案环节").unwrap();
    let recording_at = timeline.find("音像记录：询问李四").unwrap();
    let archived = timeline.rfind("归档").unwrap();
    assert!(filing < archived, "the timeline runs in time order");
    assert!(recording_at < archived);
    let listed = leader.get(&format!("/cases?q={}", encoded("测试〕9号"))).await;
    listed.shows(&["思城管罚〔测试〕9号", "已归档", "共 1 件"]);
    leader.get(&base).await.shows(&["/api/v1/cases/", "/index.pdf", "/av-checklist.xlsx", "/av-checklist.pdf"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn complaints_are_registered_and_decided() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let page = officer.get("/cases/complaints").await;
    page.shows(&["投诉举报", "中山路人行道上有人摆摊", "已立案", "思城管罚〔", "登记投诉举报"]);
    assert!(!page.body.contains("市民赵先生"), "an officer is not shown who complained (大连 第七条)");
    assert!(!page.body.contains("作出处理决定"), "an officer does not decide");
    submit(
        &mut officer,
        "/cases/complaints",
        &[("channel", "visit"), ("name", "钱女士"), ("phone", ""), ("location", "思明区湖滨南路"), ("content", "夜间施工噪音")],
    )
    .await
    .shows(&["已登记投诉举报", "夜间施工噪音", "待单位负责人处理"]);

    let mut leader = server.signed_in(LEADER).await;
    let page = leader.get("/cases/complaints").await;
    page.shows(&["市民赵先生", "钱女士", "作出处理决定"]);
    let id = {
        let start = page.body.find("/cases/complaints/").unwrap() + "/cases/complaints/".len();
        page.body[start..].split('/').next().unwrap().to_owned()
    };
    // A named complainant is told why no case is opened.
    let csrf = page.csrf();
    let decision = format!("/cases/complaints/{id}/decision");
    let refused = leader.post_form(&decision, &[("csrf", &csrf), ("kind", "no_case"), ("reason", "不属于本机关职责")]).await;
    let back = leader.follow(&refused).await;
    assert!(back.body.contains("大连 第七条"), "{}", back.body);
    submit(
        &mut leader,
        &decision,
        &[("kind", "no_case"), ("reason", "不属于本机关职责"), ("notice_method", "电话告知"), ("notified_at", "2026-11-24T10:00")],
    )
    .await
    .shows(&["已记录处理决定", "不予立案", "告知：电话告知（2026-11-24 10:00）"]);
}

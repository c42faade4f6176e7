//! Access requests (调阅申请) from the web pages: an officer asks to copy
//! his own recording for a lawsuit, the unit leader decides, and the grant
//! prints its requisition form (调用单).

use reqwest::StatusCode;

use super::support::{DemoServer, Page, LEADER, OFFICER};

/// The value after the first `marker` on `page`, up to the next `"`.
fn value_after(page: &Page, marker: &str) -> String {
    let start = page.body.find(marker).unwrap_or_else(|| panic!("the page has `{marker}`:\n{}", page.body)) + marker.len();
    page.body[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_asks_the_leader_decides_and_the_grant_prints_its_form() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;

    // From his row of the offload register to the request form, the record filled in.
    let register = officer.get("/workstation").await;
    register.shows(&["张伟", "申请调阅"]);
    let media = value_after(&register, "href=\"/access/new?media=");
    let form = officer.get(&format!("/access/new?media={media}")).await;
    form.shows(&["提出调阅申请", &format!("value=\"{media}\""), "行政诉讼", "当事人查阅", "复制"]);
    let csrf = form.csrf();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date();
    let in_ten_days = today.checked_add(jiff::Span::new().days(10)).unwrap().to_string();
    let too_far = today.checked_add(jiff::Span::new().days(200)).unwrap().to_string();
    let reason = "思明区人民法院要求提供现场执法录像";
    let request = |until: &str| {
        [
            ("csrf", csrf.clone()),
            ("target_kind", "media".to_owned()),
            ("target_id", media.clone()),
            ("purpose", "litigation".to_owned()),
            ("mode", "copy".to_owned()),
            ("reason", reason.to_owned()),
            ("on_behalf_of", "思明区人民法院".to_owned()),
            ("until", until.to_owned()),
        ]
    };

    // Longer than a grant may last: the form comes back as typed, with the API's reason.
    let refused = officer.post_form("/access/new", &borrow(&request(&too_far))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("at most 90 days"), "the API's reason is shown: {}", refused.body);
    assert!(refused.body.contains(&format!(">{reason}</textarea>")), "the reason typed is kept");
    assert!(refused.body.contains(&format!("value=\"{too_far}\"")), "the date typed is kept");

    let filed = officer.post_form("/access/new", &borrow(&request(&in_ten_days))).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let mine = officer.follow(&filed).await;
    mine.shows(&["调阅申请已提交", "待审批", "行政诉讼", "复制", reason, "没有有效的调阅授权"]);
    assert!(!mine.body.contains("待我审批"), "an officer decides nothing");

    // The unit leader sees it waiting for him.
    let mut leader = server.signed_in(LEADER).await;
    let waiting = leader.get("/access").await;
    waiting.shows(&["待我审批（1）", "张伟", reason, "思明区人民法院", "批准", "不予批准"]);
    let request = value_after(&waiting, "action=\"/access/");
    let request = request.trim_end_matches("/decision").to_owned();
    let decision = format!("/access/{request}/decision");
    let csrf = waiting.csrf();

    // A refusal must say why: too short, it comes back with what was typed.
    let short = leader.post_form(&decision, &[("csrf", &csrf), ("decision", "refuse"), ("opinion", "不行")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
    assert!(short.body.contains("at least 4 characters"), "{}", short.body);
    assert!(short.body.contains(">不行</textarea>"), "the opinion typed is kept");
    assert!(short.body.contains("待我审批（1）"), "still waiting");

    let approved = leader.post_form(&decision, &[("csrf", &csrf), ("decision", "approve"), ("opinion", "同意，限本案诉讼使用")]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    leader.follow(&approved).await.shows(&["已批准该调阅申请", "待我审批（0）"]);

    // The requester sees the grant, and prints its form straight from the API with his cookie.
    let granted = officer.get("/access").await;
    granted.shows(&["我的调阅授权", "已批准", "同意，限本案诉讼使用", "打印调用单"]);
    assert!(!granted.body.contains("没有有效的调阅授权"));
    let pdf_path = format!("/api/v1/access-requests/{request}/form.pdf");
    assert!(granted.body.contains(&format!("href=\"{pdf_path}\"")), "{}", granted.body);
    let pdf = officer.get(&pdf_path).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.body.starts_with("%PDF"));
}

/// Form fields as `post_form` takes them.
fn borrow<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

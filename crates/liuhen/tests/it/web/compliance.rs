//! The compliance pages: the demo's open findings with the articles they
//! cite, one finding and its explanation (情况说明), deadlines, the report
//! and the pack's rules.

use reqwest::StatusCode;

use super::support::{DemoServer, Page, LEADER, OFFICER};

/// The path of the first finding link on `page` whose message contains `text`.
fn finding_link(page: &Page, text: &str) -> String {
    let at = page.body.find(text).unwrap_or_else(|| panic!("the page shows `{text}`:\n{}", page.body));
    let start = page.body[..at].rfind("href=\"/compliance/findings/").expect("a link to the finding") + 6;
    page.body[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn xiamen_5_the_leader_sees_the_late_offload_and_link_and_accepts_an_explanation() {
    let server = DemoServer::start();
    let mut leader = server.signed_in(LEADER).await;
    let page = leader.get("/compliance").await;
    page.shows(&[
        "问题清单",
        "才导出存储，超过 24 小时 的时限",
        "仍未关联案件或标注",
        "（厦门 五）",
        "条文要点：厦门 五",
        "出处：厦门市城市管理行政执法局《004_78d39a83e0fe43df.txt》五",
        "48小时内完成信息关联或标注",
        "张伟",
        "思明区大队一中队",
        "未整改",
        "立即检查",
    ]);
    // Filtered by rule, only the late offload is left.
    leader.get("/compliance?rule=upload-24h&group=officer").await.shows(&["才导出存储"]);
    let only_links = leader.get("/compliance?rule=link-48h").await;
    assert!(!only_links.body.contains("才导出存储"), "{}", only_links.body);

    let link = finding_link(&page, "才导出存储");
    let finding = leader.get(&link).await;
    finding.shows(&["事实依据", "录制结束时间", "导出存储时间", "upload-24h", "厦门 五", "情况说明", "认可情况说明"]);

    // An empty explanation is refused with the API's sentence, and nothing is lost.
    let action = format!("{link}/waiver");
    let refused = leader.post_form(&action, &[("csrf", &finding.csrf()), ("explanation", "   ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("情况说明"), "{}", refused.body);

    let explanation = "当日采集站故障，次日恢复后已导出存储";
    let done = leader.post_form(&action, &[("csrf", &finding.csrf()), ("explanation", explanation)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    leader.follow(&done).await.shows(&["已认可情况说明", "已说明", explanation, "王强"]);
    let open = leader.get("/compliance").await;
    assert!(!open.body.contains("才导出存储"), "an explained finding is no longer open:\n{}", open.body);
    leader.get("/compliance?status=resolved").await.shows(&["才导出存储", "已说明"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_sees_his_findings_but_the_api_refuses_his_explanation() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let page = officer.get("/compliance").await;
    page.shows(&["仍未关联案件或标注"]);
    assert!(!page.body.contains("立即检查"), "officers do not run the check");
    let link = finding_link(&page, "仍未关联案件或标注");
    let finding = officer.get(&link).await;
    finding.shows(&["情况说明由负责人、法制审核人员或督察人员认可"]);
    assert!(!finding.body.contains("认可情况说明</button>"));
    let typed = "我当天在外执勤";
    let refused = officer.post_form(&format!("{link}/waiver"), &[("csrf", &finding.csrf()), ("explanation", typed)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("只有负责人、法制审核人员或督察人员可以认可情况说明"), "{}", refused.body);
    assert!(refused.body.contains(typed), "the typed text is kept");
    let refresh = officer.post_form("/compliance/refresh", &[("csrf", &finding.csrf())]).await;
    assert_eq!(refresh.status, StatusCode::SEE_OTHER);
    officer.follow(&refresh).await.shows(&["只有单位负责人、督察人员或系统管理员可以立即执行合规检查"]);
    let missing = officer.get("/compliance/findings/not-a-finding").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread")]
async fn deadlines_report_and_rules_tabs_show_what_the_api_says() {
    let server = DemoServer::start();
    let mut leader = server.signed_in(LEADER).await;
    let csrf = leader.get("/compliance").await.csrf();
    let refresh = leader.post_form("/compliance/refresh", &[("csrf", &csrf)]).await;
    leader.follow(&refresh).await.shows(&["合规检查已完成"]);
    // The newer demo clips wait for their link within 48 hours (厦门 五).
    leader.get("/compliance?tab=deadlines&within=48h").await.shows(&["即将到期", "关联或标注", "厦门 五"]);
    let report = leader.get("/compliance?tab=report").await;
    report.shows(&[
        "执法过错情况报告",
        "全部单位",
        "6-5-4",
        "厦门 六（五）4",
        "/api/v1/compliance/report.pdf?",
        "/api/v1/compliance/report.xlsx?",
    ]);
    let pdf = leader.get("/api/v1/compliance/report.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    leader.get("/compliance?tab=report&from=2026-13-01").await.shows(&["`from` must be a date written YYYY-MM-DD"]);
    leader.get("/compliance?tab=rules").await.shows(&[
        "规范包条款",
        "upload-24h",
        "offload_deadline",
        "clock-calibrated",
        "厦门 三",
        "执法过错情形",
    ]);
}

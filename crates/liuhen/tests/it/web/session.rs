//! Signing in and out, the workbench, and what each role is shown.

use reqwest::StatusCode;

use super::support::{DemoServer, ADMIN, LEADER, OFFICER, REVIEWER};

#[tokio::test(flavor = "multi_thread")]
async fn pages_ask_for_a_sign_in_and_send_people_back() {
    let server = DemoServer::start();
    let mut client = server.client();
    let page = client.get("/supervision?from=2026-12-01").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fsupervision%3Ffrom%3D2026%2D12%2D01"));
    client.follow(&page).await.shows(&["登录名", "密码", "<label for=\"f-login\">"]);

    let refused = client.post_form("/login", &[("login", "zhangwei"), ("password", "wrong"), ("next", "/cases")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("登录名或密码错误"), "{}", refused.body);
    assert!(refused.body.contains("value=\"zhangwei\""), "the login typed is kept");
    assert!(!client.cookies.contains_key("liuhen_session"));

    let signed_in = client.post_form("/login", &[("login", OFFICER.0), ("password", OFFICER.1), ("next", "/cases")]).await;
    assert_eq!((signed_in.status, signed_in.location.as_deref()), (StatusCode::SEE_OTHER, Some("/cases")));
    // Never sent off the site after signing in.
    let mut other = server.client();
    let page = other.post_form("/login", &[("login", OFFICER.0), ("password", OFFICER.1), ("next", "//evil.example/")]).await;
    assert_eq!(page.location.as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workbench_and_navigation_follow_the_roles() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let page = officer.get("/").await;
    page.shows(&["我的工作台", "我的在办案件", "48 小时内到期", "待我审批", "未说明的录像中断", "张伟（执法人员）"]);
    assert!(!page.body.contains("href=\"/admin\""), "officers are not shown administration");
    let mut admin = server.signed_in(ADMIN).await;
    admin.get("/").await.shows(&["href=\"/admin\"", "系统管理"]);
    let mut leader = server.signed_in(LEADER).await;
    leader.get("/").await.shows(&["href=\"/compliance\"", "href=\"/supervision\""]);
    let mut reviewer = server.signed_in(REVIEWER).await;
    reviewer.get("/").await.shows(&["赵敏（法制审核）"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_needs_the_forms_token_and_ends_the_session() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let csrf = officer.get("/").await.csrf();
    let forged = officer.post_form("/logout", &[("csrf", "not-the-token")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(forged.body.contains("CSRF"));
    let out = officer.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((out.status, out.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));
    assert!(!officer.cookies.contains_key("liuhen_session"));
    assert_eq!(officer.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_pages_and_static_files() {
    let server = DemoServer::start();
    let mut client = server.client();
    let page = client.get("/no/such/page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("没有这个页面"));
    let css = client.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));
    // The API is still served beside the pages, with its JSON errors.
    let api = client.get("/api/v1/no-such").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.content_type.starts_with("application/json"));
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
}

//! The demo camera's interruption, explained from the web page.

use reqwest::StatusCode;

use super::support::{DemoServer, OFFICER};

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_explains_his_interruption_from_the_workbench() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let workbench = officer.get("/").await;
    workbench.shows(&["DSJ-A8-0001 张伟", "填写说明"]);
    let page = officer.get("/interruptions").await;
    page.shows(&["待说明（1）", "中断原因"]);
    let start = page.body.find("name=\"before\" value=\"").unwrap() + 21;
    let before = page.body[start..].split('"').next().unwrap().to_owned();
    let start = page.body.find("name=\"after\" value=\"").unwrap() + 20;
    let after = page.body[start..].split('"').next().unwrap().to_owned();
    let csrf = page.csrf();

    let short =
        officer.post_form("/interruptions", &[("csrf", &csrf), ("before", &before), ("after", &after), ("explanation", "停")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("说明过短"), "{}", short.body);
    assert!(short.body.contains(">停</textarea>"), "what was typed is kept");

    let text = "电池耗尽，更换电池后继续录像";
    let done = officer.post_form("/interruptions", &[("csrf", &csrf), ("before", &before), ("after", &after), ("explanation", text)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = officer.follow(&done).await;
    page.shows(&["说明已记录", "待说明（0）", text]);
    assert!(officer.get("/").await.body.contains("没有未说明的中断"));
}

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

/// 厦门 六（二）: the officer writes in his duty log why he could not record;
/// what he typed comes back with the reason when it is refused.
#[tokio::test(flavor = "multi_thread")]
async fn an_officer_writes_in_his_duty_log_and_reads_it_back() {
    let server = DemoServer::start();
    let mut officer = server.signed_in(OFFICER).await;
    let page = officer.get("/interruptions").await;
    page.shows(&["执勤日志", "记入执勤日志", "王强（35020001）"]);
    let csrf = page.csrf();
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let from = (now.clone() - jiff::SignedDuration::from_hours(3)).strftime("%Y-%m-%dT%H:%M").to_string();
    let to = (now - jiff::SignedDuration::from_hours(2)).strftime("%Y-%m-%dT%H:%M").to_string();
    let reason = "暴雨，执法记录仪进水无法使用";
    let backwards = officer
        .post_form(
            "/interruptions/duty-log",
            &[("csrf", &csrf), ("from", &to), ("to", &from), ("reason", reason), ("reported_to", "35020001"), ("case", "")],
        )
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", backwards.body);
    assert!(backwards.body.contains("before it starts") && backwards.body.contains(reason), "{}", backwards.body);
    let unknown_case = officer
        .post_form(
            "/interruptions/duty-log",
            &[("csrf", &csrf), ("from", &from), ("to", &to), ("reason", reason), ("case", "不存在的案号")],
        )
        .await;
    assert_eq!(unknown_case.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown_case.body);
    let written = officer
        .post_form(
            "/interruptions/duty-log",
            &[("csrf", &csrf), ("from", &from), ("to", &to), ("reason", reason), ("reported_to", "35020001"), ("case", "")],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);
    officer.follow(&written).await.shows(&["执勤日志已记录", reason, "张伟（35020011）"]);
    let mine: Vec<serde_json::Value> = serde_json::from_str(&officer.get("/api/v1/duty-log").await.body).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["reported_to_name"], "王强（35020001）");
    assert_eq!(officer.get("/api/v1/duty-log?officer=35020012").await.status, StatusCode::FORBIDDEN, "not another's log");
    let mut leader = server.signed_in(super::support::LEADER).await;
    let all: Vec<serde_json::Value> = serde_json::from_str(&leader.get("/api/v1/duty-log").await.body).unwrap();
    assert_eq!(all.len(), 1, "leaders read every log");
}

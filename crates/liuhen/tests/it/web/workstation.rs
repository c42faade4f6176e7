//! The collection workstation page (采集站): the demo's offload register,
//! its CSV, and an upload arriving from a workstation while the page watches.

use std::process::Command;

use reqwest::StatusCode;

use super::support::{DemoServer, LEADER, OFFICER};

#[tokio::test(flavor = "multi_thread")]
async fn the_register_shows_the_demo_files_with_their_officers() {
    let server = DemoServer::start();
    let mut leader = server.signed_in(LEADER).await;
    let page = leader.get("/workstation").await;
    // The demo offloaded three cameras: 张伟's, 李娜's and 刘洋's.
    page.shows(&[
        "导出台账",
        "张伟",
        "闽执 350200011",
        "李娜",
        "刘洋",
        "DSJ-A8-0001",
        "DSJ-A8-0002",
        "DSJ-A8-0003",
        "可正常播放",
        "下载 CSV",
    ]);
    page.shows(&["没有正在上传的文件"]);
    assert!(!page.body.contains("http-equiv=\"refresh\""), "nothing arriving, nothing to refresh for");
    let rows = page.body.matches("href=\"/access/new?media=").count();
    assert!(rows >= 3, "a row per file, each with its request link: {rows}");

    // The same rows as CSV, straight from the API with the page's cookie.
    let csv = leader.get("/api/v1/register/offload.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    let mut lines = csv.body.lines();
    assert!(lines.next().unwrap().trim_start_matches('\u{feff}').starts_with("序号,姓名,执法证号"));
    assert_eq!(lines.count(), rows, "one line per row on the page");

    // A period with no recordings, and a date the register cannot read.
    leader.get("/workstation?from=2001-01-01&to=2001-01-31").await.shows(&["所选期间没有导出记录"]);
    leader.get("/workstation?from=yesterday").await.shows(&["日期无法识别"]);

    // An officer sees his own files only.
    let mut officer = server.signed_in(OFFICER).await;
    let own = officer.get("/workstation").await;
    own.shows(&["张伟", "DSJ-A8-0001", "执法人员只能查看本人记录"]);
    assert!(!own.body.contains("刘洋") && !own.body.contains("DSJ-A8-0003"), "not 刘洋's: {}", own.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_in_progress_shows_its_progress_and_the_page_refreshes() {
    let server = DemoServer::start();
    // The demo's workstation gets a token, as an administrator would issue it.
    let issued = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", server.data.to_str().unwrap(), "device", "token", "--serial", "CJZ-SM01-01"])
        .env_remove("LIUHEN_DATABASE_URL")
        .env_remove("LIUHEN_DATA")
        .output()
        .unwrap();
    assert!(issued.status.success(), "{}", String::from_utf8_lossy(&issued.stderr));
    let token = String::from_utf8(issued.stdout).unwrap().trim().to_owned();

    let http = reqwest::Client::new();
    let created = http
        .post(format!("{}/api/v1/uploads", server.base))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "2048")
        // filename DSJ_0001_35020011.MP4, device DSJ-A8-0001
        .header("upload-metadata", "filename RFNKXzAwMDFfMzUwMjAwMTEuTVA0,device RFNKLUE4LTAwMDE=")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let patched = http
        .patch(format!("{}{location}", server.base))
        .bearer_auth(&token)
        .header("tus-resumable", "1.0.0")
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(vec![0u8; 512])
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);

    let mut leader = server.signed_in(LEADER).await;
    let page = leader.get("/workstation").await;
    page.shows(&[
        "正在上传（1）",
        "CJZ-SM01-01",
        "DSJ_0001_35020011.MP4",
        "DSJ-A8-0001",
        "<progress value=\"512\" max=\"2048\"",
        "512 B / 2.0 KB（25%）",
    ]);
    assert!(page.body.contains("<meta http-equiv=\"refresh\" content=\"10\">"), "the page follows the upload");

    // Abandoned, the upload is gone and the page stops refreshing.
    let deleted =
        http.delete(format!("{}{location}", server.base)).bearer_auth(&token).header("tus-resumable", "1.0.0").send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let page = leader.get("/workstation").await;
    page.shows(&["没有正在上传的文件"]);
    assert!(!page.body.contains("http-equiv=\"refresh\""));
}

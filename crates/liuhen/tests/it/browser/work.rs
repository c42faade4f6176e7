//! Work done in the browser: a finding that appears after an ingest, a
//! recording played, an access request filed and approved, and
//! screenshots of the main pages.

use std::process::Command;

use fantoccini::Locator;
use jiff::{SignedDuration, Timestamp};

use super::Browser;
use crate::support::text;
use crate::web::support::{DemoServer, ADMIN, LEADER, OFFICER};

/// 张伟's camera in the demo, and his badge.
const CAMERA: &str = "DSJ-A8-0001";
const BADGE: &str = "35020011";

/// A clip recorded three days ago and offloaded only now is late (厦门 五:
/// within 24 hours); the leader sees the finding on the compliance page
/// without anyone asking for a refresh.
#[tokio::test(flavor = "multi_thread")]
async fn a_late_offload_shows_as_a_finding_after_the_ingest() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    let recorded = Timestamp::now() - SignedDuration::from_hours(72);
    let local = recorded.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let name = format!("DSJ_{CAMERA}_{BADGE}_{}.MP4", local.strftime("%Y%m%d_%H%M%S"));
    let camera = tempfile::tempdir().unwrap();
    crate::support::video_clip(recorded, &camera.path().join("DCIM").join(&name));

    browser.sign_in(LEADER).await;
    browser.goto("/compliance").await;
    assert!(!browser.main_text().await.contains(&name), "nothing about the clip before it is offloaded");

    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["--data", server.data.to_str().unwrap(), "ingest", camera.path().to_str().unwrap()])
        .env_remove("LIUHEN_DATABASE_URL")
        .env_remove("LIUHEN_DATA")
        .output()
        .unwrap();
    assert!(output.status.success(), "liuhen ingest: {}", text(&output));

    browser.goto("/compliance").await;
    let shown = browser.main_text().await;
    assert!(shown.contains(&name), "the late offload is listed: {shown}");
    browser.screenshot("compliance-after-ingest").await;
    browser.close().await;
}

/// The main pages of each area, as the people who use them see them.
#[tokio::test(flavor = "multi_thread")]
async fn the_main_pages_render_for_the_people_who_use_them() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    // (login, [(path, screenshot name)]).
    type Visits<'a> = ((&'a str, &'a str), &'a [(&'a str, &'a str)]);
    let visits: [Visits; 3] = [
        (OFFICER, &[("/cases", "cases"), ("/recordings", "recordings"), ("/workstation", "workstation"), ("/access", "access")]),
        (LEADER, &[("/compliance", "compliance"), ("/access", "access-leader"), ("/interruptions", "interruptions")]),
        (ADMIN, &[("/admin", "admin")]),
    ];
    for (login, pages) in visits {
        browser.sign_in(login).await;
        for (path, name) in pages {
            browser.goto(path).await;
            assert_eq!(browser.path().await, *path, "{} reaches {path}", login.0);
            let heading = browser.client.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
            assert!(!heading.is_empty(), "{path} has a heading");
            browser.check_accessibility(path).await;
            browser.screenshot(name).await;
        }
        // A case page, with its timeline.
        if login == OFFICER {
            browser.goto("/cases").await;
            browser.client.find(Locator::Css("main table a[href^='/cases/']")).await.unwrap().click().await.unwrap();
            // Only the case page has a timeline; the list has a heading too.
            browser.client.wait().for_element(Locator::Css("main #timeline")).await.unwrap();
            assert!(browser.path().await.starts_with("/cases/"));
            browser.check_accessibility("a case page").await;
            browser.screenshot("case").await;
        }
        browser.sign_out().await;
    }
    browser.close().await;
}

/// An officer asks for a record from his register row, the unit leader
/// approves it from his list, and the officer then holds the grant with
/// its requisition form (调用单) to print.
#[tokio::test(flavor = "multi_thread")]
async fn an_access_request_is_filed_and_approved_in_the_browser() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    let reason = "行政复议机关要求提供现场执法录像";

    browser.sign_in(OFFICER).await;
    browser.goto("/workstation").await;
    browser.client.find(Locator::Css("main a[href^='/access/new?media=']")).await.unwrap().click().await.unwrap();
    browser.client.wait().for_element(Locator::Id("f-reason")).await.unwrap();
    assert!(browser.path().await.starts_with("/access/new?media="));
    browser.client.find(Locator::Id("f-reason")).await.unwrap().send_keys(reason).await.unwrap();
    browser.client.find(Locator::Css("form[action='/access/new'] button[type=submit]")).await.unwrap().click().await.unwrap();
    // The form page has a heading too: the notice is what only the next page has.
    browser.client.wait().for_element(Locator::Css("main .flash")).await.unwrap();
    assert_eq!(browser.path().await, "/access");
    assert!(browser.main_text().await.contains("待审批"), "{}", browser.main_text().await);
    browser.sign_out().await;

    browser.sign_in(LEADER).await;
    browser.goto("/access").await;
    assert!(browser.main_text().await.contains(reason));
    browser.screenshot("access-waiting").await;
    browser.client.find(Locator::Css("form[action$='/decision'] textarea")).await.unwrap().send_keys("同意").await.unwrap();
    browser.client.find(Locator::Css("form[action$='/decision'] button[value=approve]")).await.unwrap().click().await.unwrap();
    browser.client.wait().for_element(Locator::Css("main .flash")).await.unwrap();
    assert!(browser.main_text().await.contains("没有待审批的调阅申请"), "{}", browser.main_text().await);
    browser.sign_out().await;

    browser.sign_in(OFFICER).await;
    browser.goto("/access").await;
    let form = browser.client.find(Locator::Css("main a[href$='/form.pdf']")).await.unwrap();
    assert_eq!(form.text().await.unwrap(), "打印调用单（PDF）");
    browser.close().await;
}

/// The officer opens one of his recordings and the browser plays it: the
/// page's `<video>` streams through a viewing session with range requests.
#[tokio::test(flavor = "multi_thread")]
async fn an_officer_plays_his_recording() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    browser.sign_in(OFFICER).await;
    browser.goto("/recordings").await;
    browser.client.find(Locator::Css("main table a[href^='/recordings/']")).await.unwrap().click().await.unwrap();
    browser.client.wait().for_element(Locator::Css("main video")).await.unwrap();
    let shown = browser.main_text().await;
    assert!(shown.contains("SHA-256") && shown.contains("SM3"), "the page shows the file's digests: {shown}");
    // Resolves once the element has data to play (or reports why not).
    let played = browser
        .client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               const video = document.querySelector('main video');
               const report = () => done({ ready: video.readyState, error: video.error && video.error.message, duration: video.duration });
               if (video.readyState >= 2) { report(); }
               video.addEventListener('canplay', report);
               video.addEventListener('error', report);
               video.muted = true;
               video.play().catch(() => {});
               setTimeout(report, 15000);"#,
            vec![],
        )
        .await
        .unwrap();
    assert!(played["ready"].as_u64().unwrap_or(0) >= 2, "the video can play: {played}");
    assert!(played["duration"].as_f64().unwrap_or(0.0) > 0.0, "{played}");
    browser.screenshot("recording").await;
    browser.close().await;
}

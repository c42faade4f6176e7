//! People at work, in the browser.

use fantoccini::key::Key;
use fantoccini::Locator;

use super::Browser;
use crate::web::support::{DemoServer, ADMIN, LEADER, OFFICER, REVIEWER};

#[tokio::test(flavor = "multi_thread")]
async fn each_role_signs_in_and_sees_its_navigation() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    browser.goto("/").await;
    assert!(browser.path().await.starts_with("/login?next="), "pages send an unknown visitor to the sign-in page");
    browser.check_accessibility("the sign-in page").await;
    browser.screenshot("login").await;
    // (login, navigation entries shown, entries hidden).
    type Role<'a> = ((&'a str, &'a str), &'a [&'a str], &'a [&'a str]);
    let roles: [Role; 4] = [
        (OFFICER, &["我的工作台", "案件", "音视频记录", "采集站", "调阅申请"], &["系统管理", "合规检查"]),
        (LEADER, &["合规检查", "督察"], &["系统管理"]),
        (REVIEWER, &["合规检查", "调阅申请"], &["系统管理", "采集站"]),
        (ADMIN, &["系统管理", "合规检查"], &[]),
    ];
    for (login, shown, hidden) in roles {
        browser.sign_in(login).await;
        assert_eq!(browser.path().await, "/");
        let navigation = browser.client.find(Locator::Css("header nav")).await.unwrap().text().await.unwrap();
        for entry in shown {
            assert!(navigation.contains(entry), "{} should see {entry} in {navigation}", login.0);
        }
        for entry in hidden {
            assert!(!navigation.contains(entry), "{} should not see {entry} in {navigation}", login.0);
        }
        assert!(browser.main_text().await.contains("我的在办案件"));
        browser.check_accessibility(&format!("the workbench of {}", login.0)).await;
        browser.screenshot(&format!("workbench-{}", login.0)).await;
        browser.sign_out().await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_works_from_the_keyboard_alone() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    browser.goto("/login").await;
    // The login field has the focus; Tab moves to the password; Enter sends.
    let active = browser.client.active_element().await.unwrap();
    assert_eq!(active.attr("id").await.unwrap().as_deref(), Some("f-login"));
    active.send_keys(&format!("{}{}", OFFICER.0, char::from(Key::Tab))).await.unwrap();
    let active = browser.client.active_element().await.unwrap();
    assert_eq!(active.attr("id").await.unwrap().as_deref(), Some("f-password"));
    active.send_keys(&format!("wrong-password{}", char::from(Key::Enter))).await.unwrap();
    browser.client.wait().for_element(Locator::Css("#login-error")).await.unwrap();
    assert!(browser.main_text().await.contains("登录名或密码错误"));
    // The first Tab on a page reaches the skip link, which jumps to the content.
    browser.sign_in(OFFICER).await;
    browser.client.find(Locator::Css("body")).await.unwrap().send_keys(&char::from(Key::Tab).to_string()).await.unwrap();
    let active = browser.client.active_element().await.unwrap();
    assert_eq!(active.text().await.unwrap(), "跳到正文");
    browser.close().await;
}

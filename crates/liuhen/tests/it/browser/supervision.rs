//! Supervision in the browser: an inspector draws a spot check, reviews an
//! item with the rubric's radio buttons, and reads the device register and
//! the periodic report with its charts; each page passes the accessibility
//! basics and is kept as a screenshot.

use fantoccini::Locator;

use super::Browser;
use crate::web::support::{DemoServer, INSPECTOR};

#[tokio::test(flavor = "multi_thread")]
async fn an_inspector_draws_reviews_and_reads_the_registers_and_report() {
    let server = DemoServer::start();
    let Some(browser) = Browser::open(&server).await else { return };
    browser.sign_in(INSPECTOR).await;
    browser.goto("/supervision").await;
    browser.check_accessibility("the spot checks").await;
    let form = browser.form("form[action='/supervision/spot-checks']").await;
    // Date fields are set as a date picker would set them.
    browser
        .client
        .execute("document.getElementById('f-from').value = '2020-01-01'; document.getElementById('f-to').value = '2030-12-31';", vec![])
        .await
        .unwrap();
    form.choose("分层", "按记录事项（仅音像记录）").await;
    form.fill("每层抽取数量", "1").await;
    form.submit("抽取样本").await;
    assert!(browser.path().await.starts_with("/supervision/spot-checks/"), "{}", browser.path().await);
    assert!(browser.notice().await.contains("已抽取"), "{}", browser.notice().await);
    browser.check_accessibility("a spot check").await;
    browser.screenshot("spot-check").await;

    // Item 1: every criterion met but the certificates, with the opinion.
    let review = browser.client.find(Locator::Css("#item-1 form")).await.unwrap();
    for radio in review.find_all(Locator::Css("input[type=radio][value=met]")).await.unwrap() {
        radio.click().await.unwrap();
    }
    review.find(Locator::Css("input[name='mark-certificate-shown'][value=not_met]")).await.unwrap().click().await.unwrap();
    review.find(Locator::Css("textarea[name=comment]")).await.unwrap().send_keys("询问时未出示执法证件").await.unwrap();
    let send = review.find(Locator::XPath(".//button[normalize-space(.)='记录检查结果']")).await.unwrap();
    browser.click_and_wait(send).await;
    assert!(browser.notice().await.contains("第 1 条的检查结果已记录"), "{}", browser.notice().await);
    let item = browser.text_of("#item-1").await;
    assert!(item.contains("得分 80") && item.contains("询问时未出示执法证件"), "{item}");

    browser.goto("/supervision/devices").await;
    assert!(browser.main_text().await.contains("未配备在用执法记录仪的一线执法人员"));
    browser.check_accessibility("the device register").await;
    browser.screenshot("device-register").await;

    browser.goto("/supervision/statistics?from=2020-01-01&to=2030-12-31").await;
    assert!(browser.main_text().await.contains("执法人员情况"));
    // Every chart image loaded and has a size: the server drew it.
    let loaded = browser
        .client
        .execute(
            "const images = [...document.querySelectorAll('figure img')]; \
             return Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = r; i.onerror = r; }))) \
               .then(() => images.map(i => i.naturalWidth));",
            vec![],
        )
        .await
        .unwrap();
    let widths: Vec<u64> = serde_json::from_value(loaded).unwrap();
    assert_eq!(widths.len(), 3, "three charts");
    assert!(widths.iter().all(|width| *width > 0), "every chart drawn: {widths:?}");
    browser.check_accessibility("the periodic report").await;
    browser.screenshot("periodic-report").await;
    browser.close().await;
}

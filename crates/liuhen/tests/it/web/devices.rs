//! The device register (设备台账) from the pages: coverage of the demo's
//! squads (厦门 一), an officer's check before use and fault report from
//! his workbench, and a leader's repair and reassignment.

use reqwest::StatusCode;

use super::support::{DemoServer, WebClient, LEADER, OFFICER};

/// The id of the device whose serial links from `page`.
fn device_id(page: &super::support::Page, serial: &str) -> String {
    let at = page.body.find(&format!(">{serial}</a>")).unwrap_or_else(|| panic!("a link to {serial}: {}", page.body));
    let start = page.body[..at].rfind("/supervision/devices/").unwrap() + "/supervision/devices/".len();
    page.body[start..].split('"').next().unwrap().to_owned()
}

async fn record(client: &mut WebClient, id: &str, fields: &[(&str, &str)]) -> super::support::Page {
    let page = client.get(&format!("/supervision/devices/{id}")).await;
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post_form(&format!("/supervision/devices/{id}/events"), &all).await
}

#[tokio::test(flavor = "multi_thread")]
async fn officers_check_and_report_their_cameras_and_leaders_repair_and_reassign_them() {
    let server = DemoServer::start();
    let mut leader = server.signed_in(LEADER).await;
    let register = leader.get("/supervision/devices").await;
    register.shows(&[
        "设备台账",
        "DSJ-A8-0001",
        "CJZ-SM01-01",
        "林峰（35020014）",
        "吴昊（35020022）",
        "思明区大队二中队",
        "在用执法记录仪 3 台",
    ]);
    let camera = device_id(&register, "DSJ-A8-0001");
    let spare_holder = device_id(&register, "DSJ-A8-0003");
    let others = device_id(&register, "DSJ-A8-0002");

    let mut officer = server.signed_in(OFFICER).await;
    let workbench = officer.get("/").await;
    workbench.shows(&["我的设备", "DSJ-A8-0001", "尚无使用前检查"]);
    assert!(!workbench.body.contains("DSJ-A8-0002"), "only his own");
    assert_eq!(officer.get(&format!("/supervision/devices/{others}")).await.status, StatusCode::FORBIDDEN, "not his camera");

    let unexplained = record(&mut officer, &camera, &[("kind", "checked"), ("battery_low", "1"), ("note", "")]).await;
    assert_eq!(unexplained.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unexplained.body);
    assert!(unexplained.body.contains("检查情况") || unexplained.body.contains("what the check found"), "{}", unexplained.body);
    let checked = record(&mut officer, &camera, &[("kind", "checked"), ("battery_low", "1"), ("note", "电量 15%，已更换备用电池")]).await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER, "{}", checked.body);
    officer.follow(&checked).await.shows(&["使用前检查（异常）已记录", "使用前检查（异常）", "电量 15%，已更换备用电池"]);
    officer.get("/").await.shows(&["上次使用前检查", "（异常）"]);

    let fault = record(&mut officer, &camera, &[("kind", "fault"), ("note", "按键失灵，无法开始录像")]).await;
    assert_eq!(fault.status, StatusCode::SEE_OTHER, "{}", fault.body);
    let page = officer.follow(&fault).await;
    page.shows(&["故障报告已记录", "故障停用"]);
    assert!(!page.body.contains("记录检查"), "no check form for a faulty camera");
    let checked_anyway = record(&mut officer, &camera, &[("kind", "checked"), ("note", "")]).await;
    assert_eq!(checked_anyway.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(checked_anyway.body.contains("第二十一条"), "{}", checked_anyway.body);
    let repaired_by_officer = record(&mut officer, &camera, &[("kind", "repaired"), ("note", "")]).await;
    assert_eq!(repaired_by_officer.status, StatusCode::FORBIDDEN, "officers do not sign off repairs");

    let repaired = record(&mut leader, &camera, &[("kind", "repaired"), ("note", "厂家更换按键")]).await;
    assert_eq!(repaired.status, StatusCode::SEE_OTHER, "{}", repaired.body);
    leader.follow(&repaired).await.shows(&["维修完成已记录", "在用"]);

    // 刘洋's camera goes to 林峰: now 刘洋 is the one without.
    let handed = record(&mut leader, &spare_holder, &[("kind", "assigned"), ("officer", "35020014"), ("unit", ""), ("note", "调配")]).await;
    assert_eq!(handed.status, StatusCode::SEE_OTHER, "{}", handed.body);
    leader.follow(&handed).await.shows(&["配发已记录", "配发：林峰（35020014）（思明区大队一中队）"]);
    let register = leader.get("/supervision/devices").await;
    let missing = &register.body[register.body.find("未配备在用执法记录仪").unwrap()..register.body.find("未配备在用采集站").unwrap()];
    assert!(missing.contains("刘洋") && !missing.contains("林峰"), "{missing}");
}

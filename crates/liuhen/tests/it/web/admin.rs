//! The administration page: the directory, accounts, the pack in force and
//! the ledger's state for administrators; the forms an administrator uses
//! at 3 a.m.; and a refusal for everyone else.

use reqwest::StatusCode;

use super::support::{DemoServer, ADMIN, LEADER, OFFICER};

#[tokio::test(flavor = "multi_thread")]
async fn the_administrator_sees_the_directory_accounts_pack_and_ledger() {
    let server = DemoServer::start();
    let mut admin = server.signed_in(ADMIN).await;
    let pack: serde_json::Value = serde_json::from_str(&admin.get("/api/v1/compliance/pack").await.body).unwrap();
    let checkpoint = admin.get("/api/v1/ledger/checkpoint").await;
    assert_eq!(checkpoint.status, StatusCode::OK);
    let signed_size: u64 = checkpoint.body.lines().nth(1).unwrap().parse().unwrap();

    let page = admin.get("/admin").await;
    page.shows(&[
        "系统管理",
        "厦门市城市管理行政执法局（演示）",
        // Units as a tree: the squads under the brigade.
        "<li>思明区大队 <span class=\"cite\">SM</span><ul>",
        "思明区大队一中队",
        "思明区大队二中队",
        // Officers with badge, certificate, unit, post and qualification.
        "<td>赵敏</td><td>35020002</td><td>闽执 350200002</td><td>思明区大队</td><td>法制审核人员</td>",
        "<td>陈静</td><td>35020013</td><td>—</td>",
        "协助执法人员",
        // Devices and who uses and keeps them.
        "<td>DSJ-A8-0001</td><td>执法记录仪</td><td>DSJ-A8</td><td>张伟（35020011）</td><td>思明区大队一中队</td>",
        "CJZ-SM01-01",
        // Accounts and roles.
        "<code>leader</code>",
        "单位负责人",
        "<code>reviewer</code>",
        // The pack in force and where its rules are.
        "<code>xiamen-cgj</code>",
        pack["sha256"].as_str().unwrap(),
        "href=\"/compliance?tab=rules\"",
        // Storage and the ledger.
        "元数据库</dt><dd>SQLite",
        "本地文件系统",
        "不适用（本地文件系统）",
        "最新签名检查点",
        "根哈希",
        "无记录",
    ]);
    let shown: u64 = page.body.split("最新签名检查点</dt><dd>第 ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(shown >= signed_size, "the page shows the checkpoint just signed or a later one: {shown} < {signed_size}");
    assert!(!page.body.contains("argon2"), "no password hash reaches the page");
}

#[tokio::test(flavor = "multi_thread")]
async fn officers_and_leaders_asking_for_administration_are_refused() {
    let server = DemoServer::start();
    for who in [OFFICER, LEADER] {
        let mut client = server.signed_in(who).await;
        let page = client.get("/admin").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", who.0);
        assert!(page.body.contains("无权操作") && page.body.contains("只有系统管理员"), "{}", page.body);
        assert!(!page.body.contains("<code>admin</code>"), "no account is listed");
        let csrf = client.get("/").await.csrf();
        let forged = client.post_form("/admin/officers", &[("csrf", &csrf), ("name", "冒名"), ("badge", "9"), ("unit", "SM")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_administrator_adds_an_officer_a_camera_and_an_account() {
    let server = DemoServer::start();
    let mut admin = server.signed_in(ADMIN).await;
    let page = admin.get("/admin").await;
    let csrf = page.csrf();
    let squad_two = {
        let at = page.body.find(">思明区大队二中队（SM02）</option>").expect("the unit is offered");
        let start = page.body[..at].rfind("value=\"").unwrap() + 7;
        page.body[start..at].trim_end_matches('"').to_owned()
    };

    // A badge number already used: refused with the API's sentence, the form kept.
    let refused = admin
        .post_form(
            "/admin/officers",
            &[
                ("csrf", &csrf),
                ("name", "孙丽"),
                ("badge", "35020011"),
                ("certificate", "闽执 350200031"),
                ("unit", &squad_two),
                ("role", "front_line"),
                ("qualification", "officer"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("执法编号 35020011 已属于张伟"), "{}", refused.body);
    assert!(refused.body.contains("value=\"孙丽\"") && refused.body.contains("<details open>"), "what was typed is kept");

    let added = admin
        .post_form(
            "/admin/officers",
            &[
                ("csrf", &csrf),
                ("name", "孙丽"),
                ("badge", "35020031"),
                ("certificate", "闽执 350200031"),
                ("unit", &squad_two),
                ("role", "front_line"),
                ("qualification", "officer"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = admin.follow(&added).await;
    page.shows(&["已添加人员：孙丽（35020031）", "<td>孙丽</td><td>35020031</td><td>闽执 350200031</td><td>思明区大队二中队</td>"]);
    let sun = {
        let at = page.body.find(">孙丽（35020031）</option>").expect("the new officer is offered");
        let start = page.body[..at].rfind("value=\"").unwrap() + 7;
        page.body[start..at].trim_end_matches('"').to_owned()
    };

    let added = admin
        .post_form(
            "/admin/devices",
            &[("csrf", &csrf), ("serial", "DSJ-A8-0031"), ("kind", "body_camera"), ("model", "DSJ-A8"), ("officer", &sun), ("unit", "")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    admin.follow(&added).await.shows(&[
        "已登记设备：DSJ-A8-0031",
        "<td>DSJ-A8-0031</td><td>执法记录仪</td><td>DSJ-A8</td><td>孙丽（35020031）</td><td>思明区大队二中队</td>",
    ]);

    let short = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("login", "sunli"),
                ("display_name", "孙丽"),
                ("password", "short"),
                ("officer", &sun),
                ("role_officer", "on"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short.body.contains("初始密码至少 8 个字符") && short.body.contains("value=\"sunli\"") && short.body.contains("checked"),
        "{}",
        short.body
    );
    assert!(!short.body.contains("value=\"short\""), "a password is never sent back");
    let added = admin
        .post_form(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("login", "sunli"),
                ("display_name", "孙丽"),
                ("password", "demo-sunli-2026"),
                ("officer", &sun),
                ("role_officer", "on"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    admin.follow(&added).await.shows(&["已添加账号：sunli", "<code>sunli</code>"]);
    let mut sunli = server.signed_in(("sunli", "demo-sunli-2026")).await;
    sunli.get("/").await.shows(&["孙丽（执法人员）"]);
}

//! What administrators do through the API: read the server's status
//! (storage, ledger, pack) and add units, officers, devices and accounts;
//! and that nobody else may.

use liuhen_core::mutation::action;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{error_of, on_both_backends, Credentials, TestServer};

on_both_backends!(
    the_status_names_the_store_vault_and_latest_checkpoint_to_administrators_only,
    administrators_add_units_officers_devices_and_accounts,
    additions_are_refused_to_others_and_with_a_sentence_for_bad_input,
);
on_both_backends!(pack "xiamen-cgj": the_status_names_the_pack_in_force);

async fn json_of(server: &TestServer, path: &str, credentials: Credentials<'_>) -> Value {
    let response = server.get(path, credentials).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

async fn the_status_names_the_store_vault_and_latest_checkpoint_to_administrators_only(server: TestServer) {
    let administrator = server.sign_in(&server.fixture.administrator).await;
    // Asking for the checkpoint signs one over everything so far.
    let response = server.get("/api/v1/ledger/checkpoint", Credentials::Cookie(&administrator)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let note = response.text().await.unwrap();
    let before = server.store.ledger_size().await.unwrap();

    let status = json_of(&server, "/api/v1/status", Credentials::Cookie(&administrator)).await;
    let expected = match server.store.backend() {
        liuhen_store::Backend::Sqlite => "sqlite",
        liuhen_store::Backend::Postgres => "postgres",
    };
    assert_eq!(status["store"]["kind"], expected);
    assert_eq!(status["vault"]["kind"], "filesystem");
    assert!(status["vault"]["path"].as_str().unwrap().ends_with("vault"), "{status}");
    assert_eq!(status["object_lock"]["status"], "not_applicable");
    assert_eq!(status["object_lock"]["enabled"], false);
    let size = status["ledger"]["size"].as_u64().unwrap();
    assert!(size >= before && size <= server.store.ledger_size().await.unwrap(), "{status}");
    let checkpoint = &status["ledger"]["checkpoint"];
    assert_eq!(checkpoint["signed_note"], note.as_str(), "the latest checkpoint is the one just signed");
    assert_eq!(checkpoint["size"], before);
    assert_eq!(checkpoint["root"].as_str().unwrap().len(), 64);
    assert!(checkpoint["created_at"].as_str().unwrap().parse::<jiff::Timestamp>().is_ok());
    assert_eq!(status["ledger"]["origin"], crate::support::ORIGIN);
    assert_eq!(status["pack"], Value::Null, "no pack is in force");
    assert_eq!(status["last_verify"], Value::Null);
    assert!(status["last_verify_note"].as_str().unwrap().contains("liuhen verify"));
    let text = status.to_string();
    assert!(!text.contains("password") && !text.contains("secret"), "no secrets: {text}");

    for account in [&server.fixture.officer, &server.fixture.leader, &server.fixture.archivist] {
        let response = crate::support::get_as(&server, "/api/v1/status", account).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{}", account.login);
        assert!(error_of(response).await.contains("只有系统管理员"));
    }
    let response = server.get("/api/v1/status", Credentials::Bearer(&server.fixture.workstation_token)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.get("/api/v1/status", Credentials::Nobody).await.status(), StatusCode::UNAUTHORIZED);
}

async fn the_status_names_the_pack_in_force(server: TestServer) {
    let administrator = server.sign_in(&server.fixture.administrator).await;
    let status = json_of(&server, "/api/v1/status", Credentials::Cookie(&administrator)).await;
    let pack = json_of(&server, "/api/v1/compliance/pack", Credentials::Cookie(&administrator)).await;
    assert_eq!(status["pack"]["id"], "xiamen-cgj");
    assert_eq!(status["pack"]["version"], pack["version"]);
    assert_eq!(status["pack"]["sha256"], pack["sha256"]);
    assert_eq!(status["pack"]["rules"], pack["rules"].as_array().unwrap().len());
}

async fn administrators_add_units_officers_devices_and_accounts(server: TestServer) {
    let administrator = server.sign_in(&server.fixture.administrator).await;
    let credentials = Credentials::CookieAndCsrf(&administrator);
    let server = &server;
    let post = |path: &'static str, body: Value| async move { server.send_json(Method::POST, path, credentials, &body).await };

    let response = post("/api/v1/units", json!({ "name": "中山路中队一组", "code": "350203-0101", "parent": "350203-01" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let unit: Value = response.json().await.unwrap();
    assert_eq!(unit["parent_id"], server.fixture.unit.to_string());

    let officer = json!({ "name": "周敏", "badge": "0203021", "certificate": "闽Z0203021", "unit": unit["id"], "role": "inspector" });
    let response = post("/api/v1/officers", officer).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let officer: Value = response.json().await.unwrap();
    assert_eq!((officer["role"].as_str(), officer["qualification"].as_str()), (Some("inspector"), Some("officer")));
    let assistant = json!({ "name": "吴刚", "badge": "X0203022", "unit": "350203-0101", "qualification": "assistant" });
    let response = post("/api/v1/officers", assistant).await;
    assert_eq!(response.status(), StatusCode::CREATED, "an assistant needs no certificate");

    // The camera is assigned by badge; it is kept where its officer works.
    let response =
        post("/api/v1/devices", json!({ "serial": "DSJ-A8-0021", "kind": "body_camera", "model": "DSJ-A8", "officer": "0203021" })).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let device: Value = response.json().await.unwrap();
    assert_eq!(device["assigned_officer"], officer["id"]);
    assert_eq!(device["unit_id"], unit["id"]);

    let account = json!({ "login": "zhou.min", "display_name": "周敏", "password": "督察密码-2026", "roles": ["inspector", "officer"], "officer": "0203021" });
    let response = post("/api/v1/users", account).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["officer_id"], officer["id"]);
    assert_eq!(user["roles"], json!(["officer", "inspector"]));
    assert!(user.get("password_hash").is_none(), "{user}");

    // All of it is in the directory, the accounts and the ledger, as the administrator's doing.
    let directory = json_of(server, "/api/v1/directory", Credentials::Cookie(&administrator)).await;
    assert!(directory["units"].as_array().unwrap().iter().any(|known| known["code"] == "350203-0101"));
    assert!(directory["officers"].as_array().unwrap().iter().any(|known| known["badge_no"] == "X0203022"));
    assert!(directory["devices"].as_array().unwrap().iter().any(|known| known["serial"] == "DSJ-A8-0021"));
    let users = json_of(server, "/api/v1/users", Credentials::Cookie(&administrator)).await;
    assert!(users.as_array().unwrap().iter().any(|known| known["login"] == "zhou.min"));
    for made in [action::UNIT_CREATED, action::OFFICER_CREATED, action::DEVICE_CREATED, action::USER_CREATED] {
        let entries = server.entries_for(made).await;
        let last = entries.last().unwrap();
        assert_eq!(last.entry.actor, server.fixture.administrator.id.subject(), "{made}");
        assert!(!last.payload_json.contains("argon2"), "no password hash in {made}");
    }
    // The new account signs in with its password.
    let response = server.sign_in_attempt("zhou.min", "督察密码-2026").await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn additions_are_refused_to_others_and_with_a_sentence_for_bad_input(server: TestServer) {
    let administrator = server.sign_in(&server.fixture.administrator).await;
    let leader = server.sign_in(&server.fixture.leader).await;
    let bodies = [
        ("/api/v1/units", json!({ "name": "新单位", "code": "NEW-1" })),
        ("/api/v1/officers", json!({ "name": "孙丽", "badge": "0203031", "certificate": "闽Z0203031", "unit": "350203-01" })),
        ("/api/v1/devices", json!({ "serial": "DSJ-9", "kind": "body_camera" })),
        ("/api/v1/users", json!({ "login": "sun.li", "display_name": "孙丽", "password": "long enough", "roles": ["administrator"] })),
    ];
    for (credentials, status) in [
        (Credentials::CookieAndCsrf(&leader), StatusCode::FORBIDDEN),
        (Credentials::Cookie(&administrator), StatusCode::FORBIDDEN),
        (Credentials::Bearer(&server.fixture.workstation_token), StatusCode::FORBIDDEN),
        (Credentials::Nobody, StatusCode::UNAUTHORIZED),
    ] {
        for (path, body) in &bodies {
            let response = server.send_json(Method::POST, path, credentials, body).await;
            assert_eq!(response.status(), status, "{path}");
        }
    }
    let credentials = Credentials::CookieAndCsrf(&administrator);
    let good_officer = json!({ "name": "孙丽", "badge": "0203031", "certificate": "闽Z0203031", "unit": "350203-01" });
    for (path, body, status, says) in [
        ("/api/v1/units", json!({ "name": " ", "code": "X" }), StatusCode::BAD_REQUEST, "单位名称"),
        ("/api/v1/units", json!({ "name": "重复", "code": "350203-01" }), StatusCode::CONFLICT, "350203-01"),
        ("/api/v1/units", json!({ "name": "孤儿", "code": "X-2", "parent": "nowhere" }), StatusCode::NOT_FOUND, "nowhere"),
        ("/api/v1/units", json!({ "name": "多余", "code": "X-3", "color": "red" }), StatusCode::BAD_REQUEST, "color"),
        ("/api/v1/officers", json!({ "name": "孙丽", "badge": "0203031", "unit": "350203-01" }), StatusCode::BAD_REQUEST, "执法证号"),
        (
            "/api/v1/officers",
            json!({ "name": "孙丽", "badge": "0203001", "certificate": "闽Z9", "unit": "350203-01" }),
            StatusCode::CONFLICT,
            "张伟",
        ),
        (
            "/api/v1/officers",
            json!({ "name": "孙丽", "badge": "0203031", "certificate": "闽Z0203001", "unit": "350203-01" }),
            StatusCode::CONFLICT,
            "张伟",
        ),
        (
            "/api/v1/officers",
            json!({ "name": "孙丽", "badge": "0203031", "certificate": "闽Z1", "unit": "nowhere" }),
            StatusCode::NOT_FOUND,
            "nowhere",
        ),
        (
            "/api/v1/officers",
            json!({ "name": "孙丽", "badge": "0203031", "certificate": "闽Z1", "unit": "350203-01", "role": "boss" }),
            StatusCode::BAD_REQUEST,
            "boss",
        ),
        ("/api/v1/devices", json!({ "serial": "CJZ-0001", "kind": "workstation" }), StatusCode::CONFLICT, "CJZ-0001"),
        ("/api/v1/devices", json!({ "serial": "DSJ-9", "kind": "drone" }), StatusCode::BAD_REQUEST, "drone"),
        ("/api/v1/devices", json!({ "serial": "DSJ-9", "kind": "body_camera", "officer": "9999999" }), StatusCode::NOT_FOUND, "9999999"),
        (
            "/api/v1/users",
            json!({ "login": "sun.li", "display_name": "孙丽", "password": "short", "roles": ["officer"] }),
            StatusCode::BAD_REQUEST,
            "8",
        ),
        (
            "/api/v1/users",
            json!({ "login": "sun.li", "display_name": "孙丽", "password": "long enough", "roles": [] }),
            StatusCode::BAD_REQUEST,
            "角色",
        ),
        (
            "/api/v1/users",
            json!({ "login": "sun.li", "display_name": "孙丽", "password": "long enough", "roles": ["king"] }),
            StatusCode::BAD_REQUEST,
            "king",
        ),
        (
            "/api/v1/users",
            json!({ "login": "孙丽", "display_name": "孙丽", "password": "long enough", "roles": ["officer"] }),
            StatusCode::BAD_REQUEST,
            "登录名",
        ),
        (
            "/api/v1/users",
            json!({ "login": "admin", "display_name": "孙丽", "password": "long enough", "roles": ["officer"] }),
            StatusCode::CONFLICT,
            "admin",
        ),
    ] {
        let response = server.send_json(Method::POST, path, credentials, &body).await;
        assert_eq!(response.status(), status, "{path} {body}");
        let error = error_of(response).await;
        assert!(error.contains(says), "{path} {body}: {error}");
    }
    for made in [action::UNIT_CREATED, action::OFFICER_CREATED, action::DEVICE_CREATED, action::USER_CREATED] {
        assert!(
            server.entries_for(made).await.iter().all(|stored| stored.entry.actor != server.fixture.administrator.id.subject()),
            "nothing refused was recorded"
        );
    }
    let response = server.send_json(Method::POST, "/api/v1/officers", credentials, &good_officer).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

//! The OpenAPI document against the running API: schemathesis reads
//! `GET /api/v1/openapi.json` from a real `liuhen serve` over the demo
//! instance and sends every operation generated requests, good and bad,
//! as the demo administrator. No request may make the server fail (5xx),
//! and every answer must match what the document says of it.
//!
//! Path parameters are drawn, most of the time, from the demo's real
//! cases, documents, records, requests, findings, holds and complaints,
//! so requests reach the handlers' work (printing, audits, decisions)
//! and not only their "there is no such thing" answers. The administrator
//! may read no AV record without a grant, so a second, shorter pass signs
//! in as an officer and tries the record routes on his own recordings and
//! an open viewing (range requests included). A third pass is the demo's
//! collection workstation with a device token, on the tus upload routes.
//!
//! schemathesis comes from PyPI (`python3 -m pip install
//! schemathesis==4.32.5`). Without it the test says so and passes, unless
//! `LIUHEN_REQUIRE_SCHEMATHESIS` is set (CI sets it: there it must run).

use std::fmt::Write as _;
use std::process::Command;

use reqwest::header;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::support::{DemoServer, ADMIN, OFFICER};

/// The version CI installs; the options below are this version's.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Generated requests per operation, per phase. With ~80 operations both
/// passes stay within a couple of minutes on a two-core machine.
const EXAMPLES_PER_OPERATION: &str = "25";

/// What every answer is held to: no server error, and the status, content
/// type, headers and body the document gives for it. (The status check
/// found `POST /api/v1/holds/{id}/release` documented as 201 while it
/// answers 200.)
const CHECKS: &str =
    "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance";

/// The operations of the officer's pass: his records and their viewings.
const RECORD_ROUTES: &str = r"^/api/v1/(media|viewings|recordings|interruptions|register)";

/// The operations of the workstation's pass (`GET /api/v1/uploads` is for people).
const WORKSTATION_ROUTES: &str = r"^/api/v1/(uploads|media/\{id\}/(cleared|recheck))";

/// The demo's collection workstation (`liuhen demo`).
const WORKSTATION: &str = "CJZ-SM01-01";

/// Operations schemathesis leaves alone, with why:
/// - `DELETE /api/v1/session` would sign the test's own session out, and
///   every later request would be answered 401 without reaching the
///   handler it is meant to test.
/// - `PATCH /api/v1/uploads/{id}` (tus, workstations only) takes
///   `application/offset+octet-stream`, a body schemathesis cannot make;
///   the upload client's own tests (`remote`) drive it.
const EXCLUDED_OPERATIONS: &[&str] = &["delete_api_v1_session", "patch_api_v1_uploads_id"];

#[tokio::test(flavor = "multi_thread")]
async fn the_api_answers_as_its_openapi_document_says() {
    let server = DemoServer::start();
    let http = reqwest::Client::new();

    // Anyone may read the document, and it names every area.
    let response = http.get(format!("{}/api/v1/openapi.json", server.base)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    let mut document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"), "{}", document["openapi"]);
    for path in ["/api/v1/session", "/api/v1/cases", "/api/v1/media/{id}", "/api/v1/uploads/{id}", "/api/v1/openapi.json"] {
        assert!(document["paths"].get(path).is_some(), "the document describes {path}");
    }

    let Some(schemathesis) = find_schemathesis() else {
        assert!(
            std::env::var_os("LIUHEN_REQUIRE_SCHEMATHESIS").is_none(),
            "LIUHEN_REQUIRE_SCHEMATHESIS is set but schemathesis is not installed (python3 -m pip install {SCHEMATHESIS})"
        );
        eprintln!(
            "note: schemathesis is not installed, so the API is not checked against its document (python3 -m pip install {SCHEMATHESIS})"
        );
        return;
    };

    let full_document = document.clone();
    // A person's operations take the session cookie or a device token.
    // schemathesis, free to choose, would send an `Authorization` header
    // half the time, and that header decides over the cookie: the request
    // would be refused before the handler saw it. The people here sign in
    // with the cookie only, so the copy they are given says so.
    document["security"] = json!([{ "session": [] }]);

    let administrator = Session::sign_in(&http, &server.base, ADMIN).await;
    let identifiers = Identifiers::of_demo(&administrator, &http, &server.base).await;
    run_schemathesis(&schemathesis, &server.base, &document, &administrator.config(&identifiers), &[]);

    let officer = Session::sign_in(&http, &server.base, OFFICER).await;
    let identifiers = Identifiers::of_officer(&officer, &http, &server.base).await;
    run_schemathesis(
        &schemathesis,
        &server.base,
        &document,
        &officer.config(&identifiers),
        &["--include-path-regex", RECORD_ROUTES, "--exclude-operation-id", "post_api_v1_media_id_cleared"],
    );

    let workstation = Workstation::issue(&server).await;
    run_schemathesis(
        &schemathesis,
        &server.base,
        &full_document,
        &workstation.config(),
        &["--include-path-regex", WORKSTATION_ROUTES, "--exclude-operation-id", "get_api_v1_uploads"],
    );
}

/// Runs schemathesis over `document` with `config` and the extra
/// `arguments`, and asserts that it found nothing.
fn run_schemathesis(schemathesis: &str, base: &str, document: &Value, config: &str, arguments: &[&str]) {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("openapi.json"), serde_json::to_vec(document).unwrap()).unwrap();
    std::fs::write(work.path().join("schemathesis.toml"), config).unwrap();
    let mut command = Command::new(schemathesis);
    command
        .arg("run")
        .arg("openapi.json")
        .args(["--url", base])
        .args(["--checks", CHECKS])
        .args(["--max-examples", EXAMPLES_PER_OPERATION])
        // The document describes no links between operations, so the
        // stateful phase would have nothing to follow.
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--workers", "2"])
        .args(["--seed", "20261206"])
        .args(["--request-timeout", "60"])
        .args(arguments)
        // schemathesis reads `schemathesis.toml` from the directory it runs in.
        .current_dir(work.path());
    for operation in EXCLUDED_OPERATIONS {
        command.args(["--exclude-operation-id", operation]);
    }
    let output = command.output().expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "schemathesis found answers that break the server or its document:\n{stdout}\n{stderr}");
    eprintln!("{stdout}");
}

/// The `schemathesis` command, if this machine has it.
fn find_schemathesis() -> Option<String> {
    let program = std::env::var("LIUHEN_SCHEMATHESIS").unwrap_or_else(|_| "schemathesis".to_owned());
    let works = Command::new(&program).arg("--version").output().is_ok_and(|output| output.status.success());
    works.then_some(program)
}

/// The administrator signed in through the API: the `liuhen_session`
/// cookie, and the CSRF token every change made with it must carry.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    async fn sign_in(http: &reqwest::Client, base: &str, (login, password): (&str, &str)) -> Session {
        let response =
            http.post(format!("{base}/api/v1/session")).json(&json!({ "login": login, "password": password })).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().unwrap().split(';').next().unwrap().trim().strip_prefix("liuhen_session="))
            .map(str::to_owned)
            .next()
            .expect("the sign-in sets the session cookie");
        let body: Value = response.json().await.unwrap();
        let csrf = body["csrf_token"].as_str().expect("the sign-in answers the CSRF token").to_owned();
        Session { cookie, csrf }
    }

    async fn get(&self, http: &reqwest::Client, url: String) -> Value {
        let response = http.get(&url).header(header::COOKIE, format!("liuhen_session={}", self.cookie)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {url}");
        response.json().await.unwrap()
    }

    async fn post(&self, http: &reqwest::Client, url: String) -> Value {
        let response = http
            .post(&url)
            .header(header::COOKIE, format!("liuhen_session={}", self.cookie))
            .header("x-csrf-token", &self.csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "POST {url}");
        response.json().await.unwrap()
    }

    /// `schemathesis.toml`: the credentials, and which real identifiers
    /// each path parameter draws from (80% of the time; generated values
    /// the rest, so bad identifiers are still tried).
    fn config(&self, identifiers: &Identifiers) -> String {
        let mut config =
            format!("headers = {{ X-CSRF-Token = \"{}\" }}\n\n[auth.openapi.session]\napi_key = \"{}\"\n\n", self.csrf, self.cookie);
        for (name, values) in &identifiers.dictionaries {
            // A JSON array of strings is a TOML array of basic strings.
            writeln!(config, "[dictionaries.{name}]\nvalues = {}\n", serde_json::to_string(values).unwrap()).unwrap();
        }
        for (path_regex, bindings) in BINDINGS {
            let bindings: Vec<String> = bindings
                .iter()
                .filter(|(_, dictionary)| identifiers.dictionaries.iter().any(|(name, _)| name == dictionary))
                .map(|(parameter, dictionary)| format!("\"{parameter}\" = {{ dictionary = \"{dictionary}\", probability = 0.8 }}"))
                .collect();
            if !bindings.is_empty() {
                writeln!(config, "[[operations]]\ninclude-path-regex = '{path_regex}'\nparameters = {{ {} }}\n", bindings.join(", "))
                    .unwrap();
            }
        }
        config
    }
}

/// Which parameters of which paths take which real identifiers.
const BINDINGS: &[(&str, &[(&str, &str)])] = &[
    (r"^/api/v1/cases/\{id\}", &[("path.id", "cases"), ("path.document", "documents")]),
    (r"^/api/v1/media/\{id\}", &[("path.id", "media")]),
    (r"^/api/v1/viewings/\{id\}", &[("path.id", "viewings")]),
    (r"^/api/v1/recordings/\{media\}", &[("path.media", "media")]),
    (r"^/api/v1/access-requests/\{id\}", &[("path.id", "requests")]),
    (r"^/api/v1/compliance/findings/\{id\}", &[("path.id", "findings")]),
    (r"^/api/v1/holds/\{id\}", &[("path.id", "holds")]),
    (r"^/api/v1/complaints/\{id\}", &[("path.id", "complaints")]),
    (r"^/api/v1/ledger/entries/", &[("path.index", "indexes")]),
    (r"^/api/v1/ledger/proof", &[("query.index", "indexes")]),
    (r"^/api/v1/ledger/consistency", &[("query.from", "indexes")]),
    (r"^/api/v1/exports$", &[("body.case", "cases"), ("body.grant", "requests")]),
    (r"^/api/v1/interruptions/explanations", &[("body.before", "media"), ("body.after", "media")]),
];

/// Real identifiers of the demo instance, by kind, as the administrator
/// reads them through the API.
struct Identifiers {
    dictionaries: Vec<(&'static str, Vec<String>)>,
}

impl Identifiers {
    async fn of_demo(session: &Session, http: &reqwest::Client, base: &str) -> Identifiers {
        let list = |path: &str| session.get(http, format!("{base}{path}"));
        let strings = |values: &Value, pointer: &str| -> Vec<String> {
            values.as_array().unwrap().iter().filter_map(|value| value.pointer(pointer)?.as_str().map(str::to_owned)).take(20).collect()
        };
        let cases = list("/api/v1/cases").await;
        let mut case_ids = strings(&cases, "/case/id");
        let mut documents = Vec::new();
        for id in case_ids.iter().take(4) {
            documents.extend(strings(&list(&format!("/api/v1/cases/{id}/documents")).await, "/document/id"));
        }
        // A case is named by its number too.
        case_ids.extend(strings(&cases, "/case/number").into_iter().take(3));
        let dictionaries = vec![
            ("cases", case_ids),
            ("documents", documents),
            ("media", strings(&list("/api/v1/retention").await, "/media/id")),
            ("requests", strings(&list("/api/v1/access-requests").await, "/request/id")),
            ("findings", strings(&list("/api/v1/compliance/findings").await, "/id")),
            ("holds", strings(&list("/api/v1/holds").await, "/id")),
            ("complaints", strings(&list("/api/v1/complaints").await, "/complaint/id")),
            ("indexes", vec!["0".to_owned(), "1".to_owned(), "7".to_owned()]),
        ];
        Identifiers::non_empty(dictionaries)
    }

    /// The officer's own recordings, and a viewing of one of them.
    async fn of_officer(session: &Session, http: &reqwest::Client, base: &str) -> Identifiers {
        let page = session.get(http, format!("{base}/api/v1/media")).await;
        let media: Vec<String> = page["media"].as_array().unwrap().iter().map(|record| record["id"].as_str().unwrap().to_owned()).collect();
        assert!(!media.is_empty(), "the demo officer has recordings of his own");
        let viewing = session.post(http, format!("{base}/api/v1/media/{}/viewings", media[0])).await;
        let viewings = vec![viewing["viewing"].as_str().unwrap().to_owned()];
        Identifiers::non_empty(vec![("media", media), ("viewings", viewings)])
    }

    fn non_empty(dictionaries: Vec<(&'static str, Vec<String>)>) -> Identifiers {
        // schemathesis refuses an empty dictionary; leave such a kind to generated values.
        Identifiers { dictionaries: dictionaries.into_iter().filter(|(_, values)| !values.is_empty()).collect() }
    }
}

/// The demo's workstation with a fresh device token, and two uploads it
/// began (one empty, so complete) for the upload routes to find.
struct Workstation {
    token: String,
    uploads: Vec<String>,
}

impl Workstation {
    async fn issue(server: &DemoServer) -> Workstation {
        let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["--data", server.data.to_str().unwrap(), "device", "token", "--serial", WORKSTATION])
            .env_remove("LIUHEN_DATABASE_URL")
            .env_remove("LIUHEN_DATA")
            .output()
            .unwrap();
        assert!(output.status.success(), "issuing a token: {}", String::from_utf8_lossy(&output.stderr));
        let token = String::from_utf8(output.stdout).unwrap().lines().next().unwrap().trim().to_owned();
        let http = reqwest::Client::new();
        let mut uploads = Vec::new();
        for length in ["100", "0"] {
            let response = http
                .post(format!("{}/api/v1/uploads", server.base))
                .bearer_auth(&token)
                .header("tus-resumable", "1.0.0")
                .header("upload-length", length)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let location = response.headers()[header::LOCATION].to_str().unwrap();
            uploads.push(location.rsplit('/').next().unwrap().to_owned());
        }
        Workstation { token, uploads }
    }

    /// The token, the uploads, and the protocol version most requests say
    /// they speak (so they get past the version check).
    fn config(&self) -> String {
        format!(
            "[auth.openapi.device_token]\nbearer = \"{}\"\n\n\
             [dictionaries.uploads]\nvalues = {}\n\n\
             [dictionaries.tus]\nvalues = [\"1.0.0\"]\n\n\
             [[operations]]\ninclude-path-regex = '^/api/v1/uploads'\n\
             parameters = {{ \"path.id\" = {{ dictionary = \"uploads\", probability = 0.8 }}, \
             \"header.tus-resumable\" = {{ dictionary = \"tus\", probability = 0.8 }} }}\n",
            self.token,
            serde_json::to_string(&self.uploads).unwrap()
        )
    }
}

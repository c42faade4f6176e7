//! `liuhen demo`: the instance it populates, read back with the CLI as an
//! operator would, and its logins tried against a real `liuhen serve`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::text;

/// Every demo login, as the banner prints it, and a role it holds.
const LOGINS: [(&str, &str, &str); 7] = [
    ("admin", "demo-admin-2026", "administrator"),
    ("leader", "demo-leader-2026", "unit_leader"),
    ("reviewer", "demo-review-2026", "legal_reviewer"),
    ("zhangwei", "demo-officer-2026", "officer"),
    ("lina", "demo-lina-2026", "officer"),
    ("archivist", "demo-archive-2026", "archivist"),
    ("inspector", "demo-inspect-2026", "inspector"),
];

fn liuhen(data: &Path, args: &[&str], path: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_liuhen"));
    command.arg("--data").arg(data).args(args).env_remove("LIUHEN_DATABASE_URL").env_remove("LIUHEN_DATA");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().unwrap()
}

/// Runs a command that prints one JSON value per line.
fn json_lines(data: &Path, args: &[&str]) -> Vec<Value> {
    let output = liuhen(data, args, None);
    assert!(output.status.success(), "liuhen {args:?}: {}", text(&output));
    String::from_utf8(output.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Runs a command that prints one JSON document.
fn json(data: &Path, args: &[&str]) -> Value {
    let output = liuhen(data, args, None);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("liuhen {args:?}: {error}: {}", text(&output)))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_is_a_populated_agency_whose_every_login_signs_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let output = liuhen(&data, &["demo", "--no-serve"], None);
    assert!(output.status.success(), "liuhen demo: {}", text(&output));
    for (login, password, _) in LOGINS {
        assert!(text(&output).contains(&format!("{login} / {password}")), "the banner prints {login}: {}", text(&output));
    }

    // A few dozen cases of several kinds, at every point of their course.
    let cases = json_lines(&data, &["case", "list", "--json"]);
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let kinds: BTreeSet<&str> = cases.iter().map(|view| view["case"]["act_kind"].as_str().unwrap()).collect();
    assert!(kinds.len() >= 4, "{kinds:?}");
    let stages: BTreeSet<&str> = cases.iter().filter_map(|view| view["current_stage"].as_str()).collect();
    for stage in ["intake", "filing", "investigation", "review_decision", "service", "conclusion"] {
        assert!(stages.contains(stage), "a case in {stage}: {stages:?}");
    }
    let count = |test: &dyn Fn(&Value) -> bool| cases.iter().filter(|view| test(view)).count();
    assert!(count(&|view| view["archived"] == true) >= 3, "some cases are archived");
    assert!(count(&|view| view["concluded"] == true && view["archived"] == false) >= 2, "some wait for the archivist");
    // Approvals half-done wait on the leader and on the legal reviewer.
    assert!(count(&|view| view["next_start_approval"] == "reviewer" && view["current_stage"] == "intake") >= 1);
    assert!(count(&|view| view["next_decision_approval"] == "approver") >= 1);
    assert!(count(&|view| view["next_decision_approval"] == "legal_review") >= 2);
    // One filing started as an emergency, its approval due within 24 h (大连 第六条).
    assert_eq!(count(&|view| view["start_approval_due"].is_string() && view["current_stage"] == "filing"), 1);
    let leads: BTreeSet<&str> = cases.iter().map(|view| view["case"]["lead_officer"].as_str().unwrap()).collect();
    assert!(leads.len() >= 4, "cases led by officers of both squads: {leads:?}");
    assert!(count(&|view| view["links"].as_array().is_some_and(|links| !links.is_empty())) >= 20, "footage is linked");

    // Footage of three cameras, offloaded through ingest.
    let register = json_lines(&data, &["register", "offload", "--json"]);
    let devices: BTreeSet<&str> = register.iter().map(|row| row["device"].as_str().unwrap()).collect();
    assert!(devices.len() >= 2, "{devices:?}");
    assert_eq!(register.iter().filter(|row| row["device"] == "DSJ-A8-0001").count(), 4, "张伟's camera holds its four clips");

    // Open findings of the pack in force (厦门): a late offload, a recording
    // never linked, a camera clock off; explained late offloads beside them.
    let findings = json(&data, &["compliance", "--all", "--json"]);
    let findings = findings.as_array().unwrap();
    let open = |rule: &str| findings.iter().filter(|stored| stored["finding"]["rule_id"] == rule && stored["resolution"].is_null()).count();
    assert_eq!(open("upload-24h"), 1, "one late offload is open, the others explained");
    assert!(open("link-48h") >= 1);
    assert_eq!(open("clock-calibrated"), 1);
    let waived = findings.iter().filter(|stored| stored["resolution"]["kind"] == "waiver").count();
    assert!(waived >= 2, "the leader accepted explanations of late offloads");

    // The interruption inside 张伟's activity waits for his explanation.
    let gaps = json_lines(&data, &["interruptions", "--unexplained", "--json"]);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["device"], "DSJ-A8-0001");

    // A questioning has no AV record linked yet (厦门 二（三）): its
    // deadline runs (it becomes a finding 48 h after the record was made).
    let upcoming = json(&data, &["compliance", "deadlines", "--within", "72h", "--json"]);
    let missing_av: Vec<&Value> = upcoming.as_array().unwrap().iter().filter(|item| item["rule_id"] == "av-questioning-hearing").collect();
    assert_eq!(missing_av.len(), 1, "{upcoming:#}");
    assert!(missing_av[0]["message"].as_str().unwrap().contains("询问笔录"), "{:#}", missing_av[0]);

    let verified = liuhen(&data, &["verify"], None);
    assert!(verified.status.success(), "liuhen verify: {}", text(&verified));

    // Every login signs in to the API of a real server over the instance.
    let mut server = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .arg("--data")
        .arg(&data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("LIUHEN_DATABASE_URL")
        .env_remove("LIUHEN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("liuhen serve prints its address").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for (login, password, role) in LOGINS {
        let answer = client
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let body = answer.text().await.unwrap();
        if !status.is_success() || !body.contains(&format!("\"{role}\"")) {
            failures.push(format!("{login}: {status} {body}"));
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn without_ffmpeg_the_demo_has_its_cases_but_no_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let output = liuhen(&data, &["demo", "--no-serve"], Some("/nonexistent"));
    assert!(output.status.success(), "liuhen demo: {}", text(&output));
    assert!(text(&output).contains("未找到 ffmpeg"), "it says why: {}", text(&output));
    assert!(json_lines(&data, &["case", "list", "--json"]).len() >= 30);
    assert!(json_lines(&data, &["register", "offload", "--json"]).is_empty());
    let verified = liuhen(&data, &["verify"], None);
    assert!(verified.status.success(), "liuhen verify: {}", text(&verified));
}

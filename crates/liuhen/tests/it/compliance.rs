//! `liuhen pack` and `liuhen compliance` end to end, on both databases:
//! real footage offloaded late and never linked raises findings citing
//! 厦门 五, a leader's accepted explanation resolves one for good, new facts
//! resolve others, and the case's AV record checklist and the misconduct
//! report are printed.

use std::path::Path;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::support::{text, video_clip, Instance};

on_both_backends!(
    late_and_unlinked_footage_raises_findings_resolved_by_facts_or_explanation,
    a_case_checklist_and_report_are_printed,
    fengtai_art18_an_explained_interruption_resolves_its_finding,
    spot_checks_are_drawn_reviewed_and_drawn_again_from_the_console,
    the_device_register_follows_checks_faults_losses_and_assignments,
    the_periodic_report_counts_what_the_registers_hold,
);

const SERIAL: &str = "DSJ-X5-0042";
const BADGE: &str = "0203001";
const LEADER: &str = "0203099";

fn run_ok(instance: &Instance, args: &[&str]) -> String {
    let output = instance.run(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(instance: &Instance, args: &[&str]) -> Value {
    let output = instance.run(args);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{args:?}: {error}: {}", text(&output)))
}

async fn xiamen(postgres: bool) -> Instance {
    let instance = Instance::new(postgres).await;
    assert!(run_ok(&instance, &["pack", "use", "xiamen-cgj"]).contains("厦门市城市管理行政执法局关于规范城管部门执法记录仪使用的通知"));
    assert!(run_ok(&instance, &["pack", "list"]).contains("xiamen-cgj       2021.04-1"), "the pack in force is marked");
    for args in [
        &["unit", "add", "--name", "思明区大队一中队", "--code", "SM01"][..],
        &["officer", "add", "--name", "张伟", "--badge", BADGE, "--certificate", "闽执350200011", "--unit", "SM01"],
        &["officer", "add", "--name", "李娜", "--badge", "0203002", "--certificate", "闽执350200012", "--unit", "SM01"],
        &["officer", "add", "--name", "王强", "--badge", LEADER, "--certificate", "闽执350200001", "--unit", "SM01", "--role", "leader"],
        &["device", "add", "--serial", SERIAL, "--kind", "body-camera", "--officer", BADGE, "--unit", "SM01"],
    ] {
        run_ok(&instance, args);
    }
    instance
}

/// A camera folder holding one clip recorded `ago` before now.
fn camera_with_clip(instance: &Instance, name: &str, ago: SignedDuration) -> std::path::PathBuf {
    camera_with_clips(instance, name, &[ago])
}

/// A camera folder holding one-second clips recorded `ago` before now.
fn camera_with_clips(instance: &Instance, name: &str, ago: &[SignedDuration]) -> std::path::PathBuf {
    let camera = instance.dir.path().join(name);
    for ago in ago {
        let recorded = Timestamp::now() - *ago;
        let local = recorded.to_zoned(TimeZone::fixed(jiff::tz::offset(8)));
        let file = format!("DSJ_{SERIAL}_{BADGE}_{}.MP4", local.strftime("%Y%m%d_%H%M%S"));
        video_clip(recorded, &camera.join("DCIM").join(file));
    }
    std::fs::write(camera.join("DEVICE.TXT"), format!("产品序号={SERIAL}\n警号={BADGE}\n")).unwrap();
    camera
}

fn open_rules(findings: &Value) -> Vec<String> {
    let mut rules: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|stored| stored["resolution"].is_null())
        .map(|stored| stored["finding"]["rule_id"].as_str().unwrap().to_owned())
        .collect();
    rules.sort();
    rules
}

async fn late_and_unlinked_footage_raises_findings_resolved_by_facts_or_explanation(postgres: bool) {
    let instance = xiamen(postgres).await;
    // Recorded three days ago, offloaded only now: late (24 h) and not
    // linked or labelled within 48 h (厦门 五).
    let camera = camera_with_clip(&instance, "camera", SignedDuration::from_hours(72));
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("new finding"), "ingest checks what it offloaded: {}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let media = summary["devices"][0]["files"][0]["media_id"].as_str().unwrap().to_owned();

    let output = instance.run(&["compliance", "--json"]);
    assert_eq!(output.status.code(), Some(1), "open findings make exit status 1: {}", text(&output));
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(open_rules(&findings), ["link-48h", "upload-24h"], "{findings:#}");
    for stored in findings.as_array().unwrap() {
        let finding = &stored["finding"];
        assert_eq!(finding["source"]["file"], "004_78d39a83e0fe43df.txt");
        assert_eq!(finding["source"]["article"], "五");
        assert_eq!(finding["pack_id"], "xiamen-cgj");
        assert_eq!(finding["pack_version"], "2021.04-1");
        assert_eq!(finding["subject"]["media_id"], media.as_str());
        assert_eq!(finding["misconduct"][0]["source"]["article"], "六（五）4");
    }
    let listing = String::from_utf8_lossy(&instance.run(&["compliance"]).stdout).into_owned();
    assert!(listing.contains("[厦门 五]") && listing.contains("未整改"), "{listing}");

    // A refresh with nothing new raises nothing twice.
    let again = json(&instance, &["compliance", "--json"]);
    assert_eq!(again.as_array().unwrap().len(), 2);

    // A front-line officer cannot accept an explanation; the leader can.
    let upload = findings.as_array().unwrap().iter().find(|stored| stored["finding"]["rule_id"] == "upload-24h").unwrap();
    let upload_id = upload["id"].as_str().unwrap();
    let refused = instance.run(&["compliance", "waive", "--finding", upload_id, "--officer", BADGE, "--explanation", "外勤三天"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("not a leader, legal reviewer or inspector"), "{}", text(&refused));
    let empty = instance.run(&["compliance", "waive", "--finding", upload_id, "--officer", LEADER, "--explanation", "  "]);
    assert!(!empty.status.success() && text(&empty).contains("情况说明"), "{}", text(&empty));
    run_ok(
        &instance,
        &[
            "compliance",
            "waive",
            "--finding",
            upload_id,
            "--officer",
            LEADER,
            "--explanation",
            "异地执法三天，回单位后即导出（大连 第二十二条）",
        ],
    );
    let twice = instance.run(&["compliance", "waive", "--finding", upload_id, "--officer", LEADER, "--explanation", "再次"]);
    assert!(text(&twice).contains("resolved already"), "{}", text(&twice));

    // Labelled now: still late, so the link finding stays open until explained.
    run_ok(
        &instance,
        &["recording", "label", "--media", &media, "--item", "其他", "--location", "中山路", "--label", "日常巡查", "--officer", BADGE],
    );
    let after = json(&instance, &["compliance", "--json", "--all"]);
    assert_eq!(open_rules(&after), ["link-48h"], "the waived finding is not raised again: {after:#}");
    let waived = after.as_array().unwrap().iter().find(|stored| stored["id"] == upload_id).unwrap();
    assert_eq!(waived["resolution"]["kind"], "waiver");

    // A recording ingested in time and labelled at once raises nothing.
    let fresh = camera_with_clip(&instance, "camera-2", SignedDuration::from_mins(30));
    let summary = json(&instance, &["ingest", fresh.to_str().unwrap(), "--json"]);
    let fresh_media = summary["devices"][0]["files"][0]["media_id"].as_str().unwrap().to_owned();
    let deadlines = json(&instance, &["compliance", "deadlines", "--within", "48h", "--officer", BADGE, "--json"]);
    let due: Vec<&Value> =
        deadlines.as_array().unwrap().iter().filter(|item| item["subject"]["media_id"] == fresh_media.as_str()).collect();
    assert_eq!(due.len(), 1, "linking the fresh recording falls due within 48 h: {deadlines:#}");
    assert_eq!(due[0]["rule_id"], "link-48h");
    run_ok(&instance, &["recording", "label", "--media", &fresh_media, "--item", "现场检查", "--label", "巡查"]);
    assert_eq!(open_rules(&json(&instance, &["compliance", "--json"])), ["link-48h"]);

    // Bad input loses nothing and says what to do.
    let unknown =
        instance.run(&["recording", "label", "--media", "0190aaaa-0000-7000-8000-000000000000", "--item", "其他", "--label", "x"]);
    assert!(text(&unknown).contains("no stored file"), "{}", text(&unknown));
    let bad_item = instance.run(&["recording", "label", "--media", &media, "--item", "拍照", "--label", "x"]);
    assert!(text(&bad_item).contains("not a recorded item"), "{}", text(&bad_item));

    // Another pack in force: what the old one found no longer applies, and
    // the new one's own rules are checked (大连 第二十二条: stored in 24 h).
    run_ok(&instance, &["pack", "use", "dalian-gxq-cgj"]);
    let switched = json(&instance, &["compliance", "--json", "--all"]);
    assert_eq!(open_rules(&switched), ["av-stored-24h"], "{switched:#}");
    let old = switched.as_array().unwrap().iter().find(|stored| stored["finding"]["rule_id"] == "link-48h").unwrap();
    assert_eq!(old["resolution"]["kind"], "facts");
    assert!(old["resolution"]["note"].as_str().unwrap().contains("不再适用"), "{old:#}");

    let (ok, report) = instance.verify();
    assert!(ok, "every finding and resolution is in the ledger, which still verifies: {report}");
}

async fn a_case_checklist_and_report_are_printed(postgres: bool) {
    let instance = xiamen(postgres).await;
    let camera = camera_with_clip(&instance, "camera", SignedDuration::from_mins(40));
    let summary = json(&instance, &["ingest", camera.to_str().unwrap(), "--json"]);
    let media = summary["devices"][0]["files"][0]["media_id"].as_str().unwrap().to_owned();
    let number = "思城管罚〔2026〕7号";
    run_ok(
        &instance,
        &[
            "case",
            "new",
            "--kind",
            "penalty",
            "--source",
            "patrol",
            "--matter",
            "占道经营",
            "--lead",
            BADGE,
            "--handler",
            "0203002",
            "--party",
            "person:王五#[x]:350203199001011234",
            "--number",
            number,
        ],
    );
    run_ok(&instance, &["case", "stage", "--case", number, "--to", "受案"]);
    run_ok(
        &instance,
        &[
            "case",
            "link",
            "--case",
            number,
            "--media",
            &media,
            "--stage",
            "受案",
            "--item",
            "现场检查",
            "--location",
            "中山路12号",
            "--label",
            "人行道摆摊",
        ],
    );

    let checklist = json(&instance, &["compliance", "checklist", "--case", number, "--json"]);
    let row = &checklist["rows"][0];
    assert_eq!(row["seq"], 1);
    assert_eq!(row["act_kind"], "行政处罚");
    assert_eq!(row["item"], "现场检查");
    assert_eq!(row["recorder"], "张伟");
    assert_eq!(row["department"], "思明区大队一中队");
    assert_eq!(row["preservation"], "完整");
    let file_name = row["file_name"].as_str().unwrap();
    assert!(file_name.starts_with("01-思明区大队一中队王五#[x]") && file_name.ends_with("现场检查.mp4"), "厦门 五 naming: {file_name}");

    let xlsx = instance.dir.path().join("清单.xlsx");
    let pdf = instance.dir.path().join("清单.pdf");
    run_ok(&instance, &["compliance", "checklist", "--case", number, "--xlsx", xlsx.to_str().unwrap(), "--pdf", pdf.to_str().unwrap()]);
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK", "an XLSX is a zip");
    // pdftotext spaces out mixed scripts (`7 号`): compare without spaces.
    let printed = pdf_text(&pdf).replace(' ', "");
    for expected in ["行政执法音像记录事项清单", number, "现场检查", "中山路12号", "王五#[x]"] {
        assert!(printed.contains(expected), "{expected} missing from the printed checklist:\n{printed}");
    }

    let statement = run_ok(&instance, &["compliance", "statement", "--case", number, "--item", "现场检查", "--place", "中山路12号"]);
    assert!(statement.contains("执法人员张伟、李娜") && statement.contains("具体地点是中山路12号"), "{statement}");

    // A finding to report: the case's recording is fine, an unplayable
    // one is not linked in time… simplest, an unlinked recording backdated.
    let late = camera_with_clip(&instance, "camera-late", SignedDuration::from_hours(60));
    run_ok(&instance, &["ingest", late.to_str().unwrap()]);
    let today = Timestamp::now().to_zoned(TimeZone::fixed(jiff::tz::offset(8))).date();
    let from = today.yesterday().unwrap().to_string();
    let to = today.to_string();
    let report = json(&instance, &["compliance", "report", "--unit", "SM01", "--from", &from, "--to", &to, "--json"]);
    assert_eq!(report["total"], 2, "{report:#}");
    let section = report["sections"].as_array().unwrap().iter().find(|section| section["item_id"] == "6-5-4").unwrap();
    assert_eq!(section["rows"].as_array().unwrap().len(), 2);
    let report_pdf = instance.dir.path().join("报告.pdf");
    run_ok(&instance, &["compliance", "report", "--from", &from, "--to", &to, "--pdf", report_pdf.to_str().unwrap()]);
    assert!(pdf_text(&report_pdf).contains("执法过错情况"));
    let backwards = instance.run(&["compliance", "report", "--from", &to, "--to", &from]);
    assert!(text(&backwards).contains("before it starts"), "{}", text(&backwards));
}

async fn fengtai_art18_an_explained_interruption_resolves_its_finding(postgres: bool) {
    let instance = xiamen(postgres).await;
    run_ok(&instance, &["pack", "use", "fengtai-jd"]);
    // Two clips three minutes apart: one activity, interrupted.
    let camera = camera_with_clips(&instance, "camera", &[SignedDuration::from_mins(20), SignedDuration::from_mins(17)]);
    let summary = json(&instance, &["ingest", camera.to_str().unwrap(), "--json"]);
    let mut media: Vec<(String, String)> = summary["devices"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| (file["corrected_start"].as_str().unwrap().to_owned(), file["media_id"].as_str().unwrap().to_owned()))
        .collect();
    media.sort();
    // Two refreshes at once raise the breach once.
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["compliance", "--json"])
            .env("LIUHEN_DATA", instance.data())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let findings = json(&instance, &["compliance", "--json"]);
    assert_eq!(open_rules(&findings), ["interruption-explained"], "{findings:#}");
    let finding = &findings[0];
    assert_eq!(finding["finding"]["source"]["article"], "第十八条");
    assert_eq!(finding["finding"]["misconduct"][0]["id"], "31-4");

    run_ok(
        &instance,
        &[
            "interruptions",
            "explain",
            "--before",
            &media[0].1,
            "--after",
            &media[1].1,
            "--officer",
            BADGE,
            "--text",
            "电池耗尽，更换电池后继续录像",
        ],
    );
    let output = instance.run(&["compliance", "--json", "--all"]);
    assert!(output.status.success(), "nothing open after the explanation: {}", text(&output));
    let after: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(after.as_array().unwrap().len(), 1, "resolved, not deleted: {after:#}");
    assert_eq!(after[0]["resolution"]["kind"], "facts");
}

fn pdf_text(path: &Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn pack_files_are_validated_pointing_at_the_line_and_can_be_put_in_force() {
    let instance = Instance::new(false).await;
    let output = instance.run(&["compliance"]);
    assert!(text(&output).contains("no policy pack is in force"), "{}", text(&output));

    let good = include_str!("../../../../packs/dalian-gxq-cgj.toml").replace("id = \"dalian-gxq-cgj\"", "id = \"dalian-local\"");
    let good_path = instance.file("dalian-local.toml", good.as_bytes());
    let output = instance.run(&["pack", "validate", good_path.to_str().unwrap()]);
    assert!(output.status.success() && text(&output).contains("有效 valid: dalian-local"), "{}", text(&output));

    let bad = good.replacen("within = \"24h\"", "within = \"-3 hours\"", 1);
    let line = bad.lines().position(|line| line.contains("-3 hours")).unwrap() + 1;
    let bad_path = instance.file("bad.toml", bad.as_bytes());
    let output = instance.run(&["pack", "validate", bad_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains(&format!("bad.toml:{line}:")), "names line {line}: {}", text(&output));
    let missing = good.replacen("003_2ac90c2d08cca6b0.txt 第六条", "003_2ac90c2d08cca6b0.txt 第三十一条", 1);
    let missing_path = instance.file("missing.toml", missing.as_bytes());
    let output = instance.run(&["pack", "validate", missing_path.to_str().unwrap()]);
    assert!(text(&output).contains("has no article `第三十一条`"), "{}", text(&output));
    let refused = instance.run(&["pack", "use", bad_path.to_str().unwrap()]);
    assert!(!refused.status.success(), "a bad pack is never put in force");

    run_ok(&instance, &["pack", "use", good_path.to_str().unwrap()]);
    assert!(instance.data().join("packs/dalian-local.toml").exists(), "the instance keeps the text it runs under");
    let shown = run_ok(&instance, &["pack", "show"]);
    assert!(shown.contains("emergency-start-approved") && shown.contains("[大连 第六条]"), "{shown}");
    let output = instance.run(&["compliance"]);
    assert!(output.status.success(), "nothing recorded, nothing found: {}", text(&output));
    let entries: Vec<Value> = (0..40)
        .map_while(|index| {
            let output = instance.run(&["ledger", "entry", "--index", &index.to_string()]);
            output.status.success().then(|| serde_json::from_slice(&output.stdout).unwrap())
        })
        .collect();
    assert!(entries.iter().any(|entry| entry["action"] == "pack.selected"), "choosing a pack is recorded in the ledger");
}

#[tokio::test(flavor = "multi_thread")]
async fn xiamen_6_2_duty_log_entries_are_checked_and_listed() {
    let instance = xiamen(false).await;
    let now = Timestamp::now().to_zoned(TimeZone::fixed(jiff::tz::offset(8)));
    let from = (now.clone() - SignedDuration::from_hours(3)).strftime("%Y-%m-%d %H:%M").to_string();
    let to = (now.clone() - SignedDuration::from_hours(1)).strftime("%Y-%m-%d %H:%M").to_string();
    let reason = "暴雨，执法记录仪进水无法使用";
    let backwards = instance.run(&["duty-log", "add", "--officer", BADGE, "--from", &to, "--to", &from, "--reason", reason]);
    assert!(text(&backwards).contains("before it starts"), "{}", text(&backwards));
    let future = (now.clone() + SignedDuration::from_hours(2)).strftime("%Y-%m-%d %H:%M").to_string();
    let later = (now + SignedDuration::from_hours(3)).strftime("%Y-%m-%d %H:%M").to_string();
    let ahead = instance.run(&["duty-log", "add", "--officer", BADGE, "--from", &future, "--to", &later, "--reason", reason]);
    assert!(text(&ahead).contains("future"), "{}", text(&ahead));
    let not_leader = instance.run(&[
        "duty-log",
        "add",
        "--officer",
        BADGE,
        "--from",
        &from,
        "--to",
        &to,
        "--reason",
        reason,
        "--reported-to",
        "0203002",
    ]);
    assert!(text(&not_leader).contains("not a leader"), "{}", text(&not_leader));
    let garbled = instance.run(&["duty-log", "add", "--officer", BADGE, "--from", "yesterday", "--to", &to, "--reason", reason]);
    assert!(text(&garbled).contains("is not a time"), "{}", text(&garbled));
    run_ok(&instance, &["duty-log", "add", "--officer", BADGE, "--from", &from, "--to", &to, "--reason", reason, "--reported-to", LEADER]);
    let entries = json(&instance, &["duty-log", "list", "--officer", BADGE, "--json"]);
    assert_eq!(entries.as_array().unwrap().len(), 1, "only the good entry was recorded: {entries:#}");
    assert_eq!(entries[0]["reason"], reason);
    assert!(run_ok(&instance, &["duty-log", "list"]).contains("张伟"));
}

/// `liuhen demo` (the README's first command) sets up an instance under the
/// Xiamen pack with a case, recordings and something for compliance to show.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_comes_with_a_case_and_findings_to_show() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let demo = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["--data", data.to_str().unwrap()])
            .args(args)
            .env("LIUHEN_REQUIRE_S3", "1")
            .env_remove("LIUHEN_DATABASE_URL")
            .output()
            .unwrap()
    };
    let output = demo(&["demo", "--no-serve"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("demo-leader-2026"), "the demo logins are shown: {}", text(&output));
    let output = demo(&["compliance", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let findings: Value = serde_json::from_slice(&output.stdout).unwrap();
    // A camera clock off, recordings never linked, a late offload (the
    // demo's own test counts each kind).
    let mut kinds = open_rules(&findings);
    kinds.dedup();
    assert_eq!(kinds, ["clock-calibrated", "link-48h", "upload-24h"], "{findings:#}");
    let output = demo(&["compliance", "checklist", "--case", "思城管罚〔2026〕1号", "--json"]);
    let checklist: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(checklist["rows"].as_array().unwrap().len(), 1);
    // The reviewer holds an approved grant for the case; the officer who
    // handles nothing there does not see it; the case is held.
    let output = demo(&["access", "check", "--user", "reviewer", "--case", "思城管罚〔2026〕1号"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&demo(&["hold", "list"])).contains("冻结中"));
    let output = demo(&["verify"]);
    assert!(output.status.success(), "{}", text(&output));
}

/// 叶县 第二十二条 / 厦门 六（四）: a sample drawn with a recorded seed,
/// reviewed against the rubric; a low score is a finding, a passing
/// second review answers it; the kept population hashes to the digest the
/// ledger holds, and altering it is caught when the sample is drawn again.
async fn spot_checks_are_drawn_reviewed_and_drawn_again_from_the_console(postgres: bool) {
    let instance = xiamen(postgres).await;
    let camera = camera_with_clips(
        &instance,
        "camera",
        &[SignedDuration::from_hours(5), SignedDuration::from_hours(4), SignedDuration::from_hours(3)],
    );
    let output = instance.run(&["ingest", camera.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let today = Timestamp::now().to_zoned(TimeZone::fixed(jiff::tz::offset(8))).date();
    let (from, to) = ((today - jiff::Span::new().days(1)).to_string(), today.to_string());
    let seed = "0123456789abcdef".repeat(4);
    let draw = |per: &str| {
        json(
            &instance,
            &[
                "spot-check",
                "draw",
                "--population",
                "recordings",
                "--from",
                &from,
                "--to",
                &to,
                "--unit",
                "SM01",
                "--per-stratum",
                per,
                "--seed",
                &seed,
                "--json",
            ],
        )
    };
    let check = draw("2");
    assert_eq!(check["population_size"], 3);
    assert_eq!(check["items"].as_array().unwrap().len(), 2);
    assert_eq!(draw("2")["items"], check["items"], "the same seed and population draw the same sample");
    let id = check["id"].as_str().unwrap();

    let nothing = instance.run(&["spot-check", "draw", "--population", "cases", "--from", &from, "--to", &to]);
    assert!(!nothing.status.success() && text(&nothing).contains("no 案件 to draw from"), "{}", text(&nothing));
    let bad_seed = instance.run(&["spot-check", "draw", "--population", "recordings", "--from", &from, "--to", &to, "--seed", "abc"]);
    assert!(text(&bad_seed).contains("64 lower-case hexadecimal digits"), "{}", text(&bad_seed));

    let rubric = ["started-before-contact", "opening-statement", "certificate-shown", "continuous", "conduct"];
    let marks = |failing: &str| -> Vec<String> {
        rubric.iter().map(|criterion| format!("{criterion}={}", if *criterion == failing { "not_met" } else { "met" })).collect()
    };
    let review = |item: &str, marks: &[String], comment: &str| {
        let mut args = vec!["spot-check", "review", id, "--item", item, "--comment", comment, "--reviewer", LEADER];
        for mark in marks {
            args.extend(["--mark", mark.as_str()]);
        }
        instance.run(&args)
    };
    let partial = review("1", &marks("")[..4], "");
    assert!(text(&partial).contains("judge every criterion"), "{}", text(&partial));
    let unknown = review("1", &[marks("").as_slice(), &["smiled=met".to_owned()]].concat(), "");
    assert!(text(&unknown).contains("no criterion `smiled`"), "{}", text(&unknown));
    let past_the_end = review("3", &marks(""), "");
    assert!(text(&past_the_end).contains("there is no item 3"), "{}", text(&past_the_end));
    let output = review("1", &marks("opening-statement"), "未口述执法证号");
    assert!(output.status.success() && text(&output).contains("80 分"), "{}", text(&output));

    let findings = json(&instance, &["compliance", "--json"]);
    let spot: Vec<&Value> = findings.as_array().unwrap().iter().filter(|stored| stored["finding"]["rule_id"] == "spot-check").collect();
    assert_eq!(spot.len(), 1, "{findings:#}");
    assert!(spot[0]["resolution"].is_null());
    assert_eq!(spot[0]["finding"]["source"]["article"], "六（四）");
    assert!(spot[0]["finding"]["message"].as_str().unwrap().contains("口述执法人员身份"), "{:#}", spot[0]);
    let shown = run_ok(&instance, &["spot-check", "show", id]);
    assert!(shown.contains("80 分 (80/100)") && shown.contains("未检查 not reviewed"), "{shown}");

    let output = review("1", &marks(""), "复查：已补充说明");
    assert!(output.status.success(), "{}", text(&output));
    let findings = json(&instance, &["compliance", "--all", "--json"]);
    let spot = findings.as_array().unwrap().iter().find(|stored| stored["finding"]["rule_id"] == "spot-check").unwrap();
    assert!(!spot["resolution"].is_null(), "a later passing review answers the finding: {spot:#}");
    let register = json(&instance, &["spot-check", "show", id, "--json"]);
    assert_eq!(register[0]["reviews"], 2);
    assert_eq!(register[0]["score"]["earned"], 100);

    // The population as printed hashes to the digest in the ledger.
    let population = run_ok(&instance, &["spot-check", "population", id]);
    assert_eq!(population.lines().count(), 3);
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(population.as_bytes())), check["population_sha256"].as_str().unwrap());
    assert!(run_ok(&instance, &["spot-check", "redraw", id]).contains("drawn again identically"));
    instance
        .tamper(&format!(
            "DELETE FROM spot_check_population WHERE check_id = '{id}' AND subject_id = '{}'",
            check["items"][0]["subject"]["id"].as_str().unwrap()
        ))
        .await;
    let tampered = instance.run(&["spot-check", "redraw", id]);
    assert_eq!(tampered.status.code(), Some(1), "{}", text(&tampered));
    assert!(text(&tampered).contains("DOES NOT MATCH") && text(&tampered).contains("DIFFERS"), "{}", text(&tampered));
    let listed = run_ok(&instance, &["spot-check", "list"]);
    assert!(listed.contains(id) && listed.contains("1/2 reviewed"), "{listed}");
}

/// 叶县 第二十、二十一条; 丰台 第十七条; 厦门 一: the device register from
/// the console, in the order a device's life allows, with coverage.
async fn the_device_register_follows_checks_faults_losses_and_assignments(postgres: bool) {
    let instance = xiamen(postgres).await;
    let register = |instance: &Instance| json(instance, &["device", "register", "--json"]);
    let before = register(&instance);
    assert_eq!(before["coverage"]["officers_without_camera"].as_array().unwrap().len(), 1, "李娜 has no camera: {before:#}");
    assert_eq!(before["coverage"]["units_without_workstation"].as_array().unwrap().len(), 1, "SM01 has no workstation");

    let unexplained = instance.run(&["device", "check", SERIAL, "--clock-off"]);
    assert!(!unexplained.status.success() && text(&unexplained).contains("what the check found"), "{}", text(&unexplained));
    run_ok(&instance, &["device", "check", SERIAL, "--officer", BADGE]);
    let repaired_too_soon = instance.run(&["device", "repaired", SERIAL]);
    assert!(text(&repaired_too_soon).contains("only a faulty device"), "{}", text(&repaired_too_soon));
    run_ok(&instance, &["device", "fault", SERIAL, "--note", "镜头进水", "--officer", BADGE]);
    let checked_faulty = instance.run(&["device", "check", SERIAL]);
    assert!(text(&checked_faulty).contains("out of use until repaired"), "{}", text(&checked_faulty));
    let faulty = register(&instance);
    assert_eq!(faulty["devices"][0]["state"]["status"], "faulty");
    assert_eq!(faulty["coverage"]["officers_without_camera"].as_array().unwrap().len(), 2, "a faulty camera covers no one");
    run_ok(&instance, &["device", "repaired", SERIAL, "--note", "已更换镜头"]);
    let yesterday = (Timestamp::now() - SignedDuration::from_hours(20))
        .to_zoned(TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    run_ok(&instance, &["device", "lost", SERIAL, "--stolen", "--at", &yesterday, "--note", "执勤时在中山路被盗"]);
    run_ok(&instance, &["device", "recovered", SERIAL, "--note", "派出所追回"]);
    run_ok(&instance, &["device", "assign", SERIAL, "--officer", "0203002"]);
    let moved = register(&instance);
    assert_eq!(moved["devices"][0]["device"]["assigned_officer"], moved["devices"][0]["state"]["officer_id"]);
    let history = run_ok(&instance, &["device", "history", SERIAL]);
    for expected in ["使用前检查", "故障报告", "镜头进水", "维修完成", "被盗报告", "找回", "配发", "李娜（0203002）"]
    {
        assert!(history.contains(expected), "{expected}: {history}");
    }
    let events = json(&instance, &["device", "history", SERIAL, "--json"]);
    assert_eq!(events.as_array().unwrap().len(), 6);
    let retire_silently = instance.run(&["device", "retire", SERIAL, "--note", " "]);
    assert!(text(&retire_silently).contains("why it is retired"), "{}", text(&retire_silently));
    run_ok(&instance, &["device", "retire", SERIAL, "--note", "使用满六年"]);
    let after = instance.run(&["device", "check", SERIAL]);
    assert!(text(&after).contains("retired"), "{}", text(&after));
    let listed = run_ok(&instance, &["device", "register"]);
    assert!(listed.contains("报废") && listed.contains("缺执法记录仪 no body camera: 张伟（0203001）"), "{listed}");
}

/// 叶县 第二十三条; 丰台 第三十条: the periodic report, cross-checked with
/// what the registers and findings say directly, and printed as PDF and XLSX.
async fn the_periodic_report_counts_what_the_registers_hold(postgres: bool) {
    let instance = xiamen(postgres).await;
    // Two clips of today, one of three days ago offloaded only now (late).
    let camera = camera_with_clips(
        &instance,
        "camera",
        &[SignedDuration::from_hours(72), SignedDuration::from_hours(5), SignedDuration::from_hours(3)],
    );
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let today = Timestamp::now().to_zoned(TimeZone::fixed(jiff::tz::offset(8))).date();
    let (from, to) = ((today - jiff::Span::new().days(5)).to_string(), today.to_string());
    let seed = "fedcba9876543210".repeat(4);
    let check = json(
        &instance,
        &[
            "spot-check",
            "draw",
            "--population",
            "recordings",
            "--from",
            &from,
            "--to",
            &to,
            "--per-stratum",
            "1",
            "--seed",
            &seed,
            "--json",
        ],
    );
    let id = check["id"].as_str().unwrap();
    let mut args = vec!["spot-check", "review", id, "--item", "1", "--comment", "未出示证件"];
    let marks = ["started-before-contact=met", "opening-statement=met", "certificate-shown=not_met", "continuous=met", "conduct=met"];
    for mark in &marks {
        args.extend(["--mark", mark]);
    }
    run_ok(&instance, &args);
    run_ok(&instance, &["device", "check", SERIAL, "--battery-low", "--note", "电量不足"]);
    run_ok(&instance, &["device", "fault", SERIAL, "--note", "无法开机"]);

    let report = json(&instance, &["report", "periodic", "--from", &from, "--to", &to, "--format", "json"]);
    let totals = &report["totals"];
    let offloaded = run_ok(&instance, &["register", "offload", "--json"]);
    assert_eq!(totals["recordings"], offloaded.lines().count(), "every offloaded record, one JSON line each: {report:#}");
    let findings = json(&instance, &["compliance", "--all", "--json"]);
    let findings = findings.as_array().unwrap();
    let late = findings.iter().filter(|stored| stored["finding"]["rule_id"] == "upload-24h").count();
    assert_eq!(totals["offloaded_late"], late, "late offloads are the upload-24h findings");
    assert_eq!(totals["findings"], findings.len());
    let open = findings.iter().filter(|stored| stored["resolution"].is_null()).count();
    assert_eq!(totals["findings_open"], open);
    assert_eq!(totals["spot_checks"], 1);
    assert_eq!(totals["spot_check_earned"], 80);
    assert_eq!(totals["spot_check_possible"], 100);
    let by_rule: u64 = report["rules"].as_array().unwrap().iter().map(|rule| rule["findings"].as_u64().unwrap()).sum();
    assert_eq!(by_rule as usize, findings.len(), "each finding under its rule");
    let zhang = report["officers"].as_array().unwrap().iter().find(|line| line["badge_no"] == BADGE).unwrap();
    assert_eq!(zhang["tally"]["recordings"], totals["recordings"], "张伟 made them all");
    assert_eq!(report["devices"]["checks"], 1);
    assert_eq!(report["devices"]["failed_checks"], 1);
    assert_eq!(report["devices"]["faults"], 1);
    assert_eq!(report["devices"]["coverage"]["cameras_in_service"], 0, "the only camera is faulty");
    assert_eq!(report["access"]["requests"], 0);

    // Before the period, nothing.
    let empty = json(&instance, &["report", "periodic", "--from", "2020-01-01", "--to", "2020-01-31", "--format", "json"]);
    assert_eq!(empty["totals"]["recordings"], 0);
    let backwards = instance.run(&["report", "periodic", "--from", &to, "--to", &from]);
    assert!(text(&backwards).contains("before it starts"), "{}", text(&backwards));
    let unit = json(&instance, &["report", "periodic", "--unit", "SM01", "--from", &from, "--to", &to, "--format", "json"]);
    assert_eq!(unit["totals"], report["totals"], "the only unit holds everything");

    let pdf = instance.dir.path().join("report.pdf");
    run_ok(&instance, &["report", "periodic", "--from", &from, "--to", &to, "--format", "pdf", "--output", pdf.to_str().unwrap()]);
    let info = std::process::Command::new("pdfinfo").arg(&pdf).output().unwrap();
    assert!(info.status.success() && String::from_utf8_lossy(&info.stdout).contains("执法全过程记录工作通报"), "{info:?}");
    let xlsx = instance.dir.path().join("report.xlsx");
    run_ok(&instance, &["report", "periodic", "--from", &from, "--to", &to, "--format", "xlsx", "--output", xlsx.to_str().unwrap()]);
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let officers = workbook.worksheet_range("执法人员情况").unwrap();
    let row = officers.rows().find(|row| row[0].to_string().contains(BADGE)).expect("张伟's row");
    assert_eq!(row[2].to_string(), totals["recordings"].to_string(), "{row:?}");
    let text_report = run_ok(&instance, &["report", "periodic", "--from", &from, "--to", &to]);
    assert!(text_report.contains("【各单位情况】") && text_report.contains("思明区大队一中队"), "{text_report}");
}

//! `liuhen case`: cases walked through their stages by the real binary, on
//! both databases, and every refusal naming the article it enforces.

use crate::support::{text, Instance};
use serde_json::Value;

on_both_backends!(
    a_penalty_case_runs_from_intake_to_conclusion,
    every_act_kind_walks_its_general_stages,
    refusals_name_their_article,
    a_recording_links_to_a_stage_the_case_reached,
    complaints_are_decided_once_and_named_complainants_told,
);

async fn instance_with_officers(postgres: bool) -> Instance {
    let instance = Instance::new(postgres).await;
    for args in [
        &["unit", "add", "--name", "中山路中队", "--code", "350203-01"][..],
        &["officer", "add", "--name", "张伟", "--badge", "0203001", "--certificate", "闽Z0203001", "--unit", "350203-01"],
        &["officer", "add", "--name", "李娜", "--badge", "0203002", "--certificate", "闽Z0203002", "--unit", "350203-01"],
        &["officer", "add", "--name", "𠮷田", "--badge", "X0203017", "--unit", "350203-01", "--assistant"],
    ] {
        let output = instance.run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
    }
    instance
}

fn json(instance: &Instance, args: &[&str]) -> Value {
    let output = instance.run(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{args:?}: {error}: {}", text(&output)))
}

/// Records a whole approval chain (handler, reviewer, [legal review,] approver).
fn approve_all(instance: &Instance, number: &str, matter: &str, roles: &[&str]) {
    for role in roles {
        json(
            instance,
            &[
                "case",
                "approve",
                "--case",
                number,
                "--matter",
                matter,
                "--role",
                role,
                "--officer",
                "0203001",
                "--opinion",
                "同意",
                "--json",
            ],
        );
    }
}

const START: [&str; 3] = ["handler", "reviewer", "approver"];
const DECISION: [&str; 4] = ["handler", "reviewer", "legal-review", "approver"];

fn refused(instance: &Instance, args: &[&str], article: &str) -> String {
    let output = instance.run(args);
    assert!(!output.status.success(), "{args:?} should be refused: {}", text(&output));
    let said = text(&output);
    assert!(said.contains(article), "{args:?} should name {article}: {said}");
    said
}

const NEW_PENALTY: [&str; 14] = [
    "case",
    "new",
    "--kind",
    "penalty",
    "--source",
    "complaint",
    "--matter",
    "占道经营",
    "--lead",
    "0203001",
    "--handler",
    "0203002",
    "--party",
    "person:王五:350203199001011234",
];

async fn a_penalty_case_runs_from_intake_to_conclusion(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    let mut args = NEW_PENALTY.to_vec();
    args.extend(["--number", "思城管罚〔2026〕1号", "--handler", "X0203017", "--json"]);
    let case = json(&instance, &args);
    assert_eq!(case["act_kind"], "penalty");
    assert_eq!(case["handlers"].as_array().unwrap().len(), 3);
    assert_eq!(case["parties"][0]["id_number"], "350203199001011234");

    let number = "思城管罚〔2026〕1号";
    json(&instance, &["case", "stage", "--case", number, "--to", "受案", "--note", "群众投诉：人行道上摆摊", "--json"]);
    // 大连 第六条: filing needs the start approved, in order (第二十八条).
    refused(&instance, &["case", "stage", "--case", number, "--to", "立案"], "大连 第六条");
    refused(
        &instance,
        &["case", "approve", "--case", number, "--matter", "start", "--role", "approver", "--officer", "0203001", "--opinion", "同意"],
        "大连 第二十八条",
    );
    approve_all(&instance, number, "start", &START);
    for (stage, note) in [("立案", ""), ("investigation", "现场检查、询问"), ("先行登记保存", "登记保存遮阳伞两把"), ("中止", "当事人住院")]
    {
        json(&instance, &["case", "stage", "--case", number, "--to", stage, "--note", note, "--json"]);
    }
    let view = json(&instance, &["case", "show", "--case", number, "--json"]);
    assert_eq!(view["suspended_in"], "investigation");
    refused(&instance, &["case", "stage", "--case", number, "--to", "审查决定"], "丰台 第四条");
    let resumed = json(&instance, &["case", "stage", "--case", number, "--to", "调查取证", "--note", "当事人出院", "--json"]);
    assert_eq!(resumed["step"]["kind"], "resume");
    for stage in ["审查决定", "听证"] {
        json(&instance, &["case", "stage", "--case", number, "--to", stage, "--json"]);
    }
    // 大连 第二十八条: no service before the decision is approved; a
    // disagreement starts the chain again.
    refused(&instance, &["case", "stage", "--case", number, "--to", "送达"], "大连 第二十八条");
    approve_all(&instance, number, "decision", &["handler", "reviewer"]);
    let output = instance.run(&[
        "case",
        "approve",
        "--case",
        number,
        "--matter",
        "decision",
        "--role",
        "legal-review",
        "--officer",
        "0203002",
        "--opinion",
        "证据不足",
        "--reject",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    refused(&instance, &["case", "stage", "--case", number, "--to", "送达"], "大连 第二十八条");
    approve_all(&instance, number, "decision", &DECISION);
    for stage in ["送达", "终结"] {
        json(&instance, &["case", "stage", "--case", number, "--to", stage, "--json"]);
    }
    let view = json(&instance, &["case", "show", "--case", number, "--json"]);
    assert_eq!(view["concluded"], true);
    assert_eq!(view["steps"].as_array().unwrap().len(), 10);
    assert_eq!(view["approvals"].as_array().unwrap().len(), 3 + 3 + 4);
    assert_eq!(view["next_decision_approval"], serde_json::Value::Null);
    assert_eq!(view["remaining_stages"].as_array().unwrap().len(), 0);
    refused(&instance, &["case", "stage", "--case", number, "--to", "延期"], "丰台 第四条");
    // 大连 第二十二条: archived within 30 days of the conclusion.
    assert!(view["archive_due"].is_string(), "{view:#}");
    assert_eq!(view["archive_overdue"], false);
    json(&instance, &["case", "archive", "--case", number, "--note", "卷宗整理完毕", "--json"]);
    let archived = json(&instance, &["case", "show", "--case", number, "--json"]);
    assert_eq!(archived["archived"], true);
    assert!(archived["archive_due"].is_null());
    refused(&instance, &["case", "archive", "--case", number], "大连 第二十二条");
    let listing = text(&instance.run(&["case", "list"]));
    assert!(listing.contains("思城管罚〔2026〕1号\t行政处罚\t终结"), "{listing}");
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

async fn every_act_kind_walks_its_general_stages(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    let kinds: [(&str, &[&str]); 10] = [
        ("penalty", &["受案", "立案", "调查取证", "审查决定", "送达", "终结"]),
        ("coercion", &["受案", "立案", "调查取证", "审查决定", "送达", "执行", "终结"]),
        ("inspection", &["现场核查", "送达", "复查"]),
        ("licensing", &["接收", "受理", "审查决定", "送达"]),
        ("confirmation", &["接收", "受理", "审查决定", "送达"]),
        ("expropriation", &["论证", "征求意见", "审查决定", "送达", "实施", "补偿", "终结"]),
        ("benefit", &["接收", "受理", "审查决定", "送达"]),
        ("reward", &["接收", "受理", "审查决定", "送达"]),
        ("adjudication", &["接收", "受理", "审查决定", "送达"]),
        ("fee-collection", &["接收", "受理", "审查决定", "送达"]),
    ];
    for (kind, stages) in kinds {
        let case = json(
            &instance,
            &[
                "case",
                "new",
                "--kind",
                kind,
                "--source",
                "application",
                "--matter",
                "依申请办理",
                "--lead",
                "0203001",
                "--handler",
                "0203002",
                "--json",
            ],
        );
        let number = case["number"].as_str().unwrap().to_owned();
        for stage in stages {
            match *stage {
                "立案" => approve_all(&instance, &number, "start", &START),
                "送达" if stages.contains(&"审查决定") => approve_all(&instance, &number, "decision", &DECISION),
                // 大连 第十九条: a demand notice, made and served, before execution.
                "执行" => {
                    refused(&instance, &["case", "stage", "--case", &number, "--to", "执行"], "大连 第十九条");
                    let notice = json(
                        &instance,
                        &[
                            "case",
                            "doc",
                            "new",
                            "--case",
                            &number,
                            "--kind",
                            "催告书",
                            "--stage",
                            "送达",
                            "--maker",
                            "0203001",
                            "--legal-basis",
                            "《行政强制法》第三十五条",
                            "--field",
                            "obligation=自行拆除",
                            "--field",
                            "due_by=2026-12-01",
                            "--json",
                        ],
                    );
                    let served = format!("document={}", notice["id"].as_str().unwrap());
                    let served_at = format!("served_at={}", jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1));
                    json(
                        &instance,
                        &[
                            "case",
                            "doc",
                            "new",
                            "--case",
                            &number,
                            "--kind",
                            "送达回证",
                            "--stage",
                            "送达",
                            "--maker",
                            "0203001",
                            "--legal-basis",
                            "《行政强制法》第三十八条",
                            "--field",
                            &served,
                            "--field",
                            "method=直接送达",
                            "--field",
                            &served_at,
                            "--field",
                            "recipient=当事人",
                            "--json",
                        ],
                    );
                }
                _ => {}
            }
            json(&instance, &["case", "stage", "--case", &number, "--to", stage, "--json"]);
        }
        let view = json(&instance, &["case", "show", "--case", &number, "--json"]);
        assert_eq!(view["concluded"], true, "{kind}: {view:#}");
    }
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

async fn refusals_name_their_article(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    // 叶县 第七、八条: an assistant may assist, never lead.
    refused(
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
            "X0203017",
            "--handler",
            "0203001",
            "--handler",
            "0203002",
        ],
        "叶县 第七、八条",
    );
    // 厦门 四（一）: two officers on a general-procedure case.
    refused(
        &instance,
        &["case", "new", "--kind", "penalty", "--source", "patrol", "--matter", "占道经营", "--lead", "0203001", "--handler", "X0203017"],
        "厦门 四（一）",
    );
    // Simple procedure needs one.
    json(
        &instance,
        &[
            "case",
            "new",
            "--kind",
            "penalty",
            "--procedure",
            "simple",
            "--source",
            "patrol",
            "--matter",
            "当场处罚",
            "--lead",
            "0203001",
            "--number",
            "简-1",
            "--json",
        ],
    );
    // 大连 第十六条: a simple-procedure case concludes with its on-the-spot decision.
    for stage in ["受案", "审查决定"] {
        json(&instance, &["case", "stage", "--case", "简-1", "--to", stage, "--json"]);
    }
    approve_all(&instance, "简-1", "decision", &["handler", "approver"]);
    json(&instance, &["case", "stage", "--case", "简-1", "--to", "送达", "--json"]);
    refused(&instance, &["case", "stage", "--case", "简-1", "--to", "终结"], "大连 第十六条");
    json(
        &instance,
        &[
            "case",
            "doc",
            "new",
            "--case",
            "简-1",
            "--kind",
            "当场处罚决定书",
            "--stage",
            "审查决定",
            "--maker",
            "0203001",
            "--legal-basis",
            "《行政处罚法》第五十一条",
            "--field",
            "facts=当场发现占道",
            "--field",
            "legal_conditions=违法事实确凿，罚款五十元以下",
            "--field",
            "statement=当事人称不知情",
            "--field",
            "statement_review=不予采纳：已多次告知",
            "--field",
            "decision=罚款五十元",
            "--field",
            "filing_record=已报大队备案",
            "--json",
        ],
    );
    json(&instance, &["case", "stage", "--case", "简-1", "--to", "终结", "--json"]);
    refused(
        &instance,
        &[
            "case",
            "doc",
            "new",
            "--case",
            "简-1",
            "--kind",
            "权利告知书",
            "--stage",
            "受案",
            "--maker",
            "0203001",
            "--legal-basis",
            "x",
            "--field",
            "rights=陈述、上诉",
            "--field",
            "method=口头",
        ],
        "大连 第九条",
    );
    let unknown = text(&instance.run(&["case", "new", "--kind", "penalty", "--source", "patrol", "--matter", "x", "--lead", "9999999"]));
    assert!(unknown.contains("no officer with badge number 9999999"), "{unknown}");
    let long = "占".repeat(2001);
    let output = instance.run(&[
        "case",
        "new",
        "--kind",
        "penalty",
        "--source",
        "patrol",
        "--matter",
        &long,
        "--lead",
        "0203001",
        "--handler",
        "0203002",
    ]);
    assert!(text(&output).contains("longer than 2000 characters"), "{}", text(&output));
    let output = instance.run(&[
        "case",
        "new",
        "--kind",
        "penalty",
        "--source",
        "patrol",
        "--matter",
        "a\u{7}b",
        "--lead",
        "0203001",
        "--handler",
        "0203002",
    ]);
    assert!(text(&output).contains("control characters"), "{}", text(&output));
    let output = instance.run(&[
        "case",
        "new",
        "--kind",
        "penalty",
        "--source",
        "patrol",
        "--matter",
        "x",
        "--lead",
        "0203001",
        "--handler",
        "0203002",
        "--party",
        "robot:R2",
    ]);
    assert!(text(&output).contains("not person or organisation"), "{}", text(&output));

    let mut args = NEW_PENALTY.to_vec();
    args.extend(["--number", "罚-重复", "--json"]);
    json(&instance, &args);
    let output = instance.run(&args);
    assert!(text(&output).contains("exists already"), "{}", text(&output));
    // 丰台 第四条: no decision before investigation, no stage of another kind.
    json(&instance, &["case", "stage", "--case", "罚-重复", "--to", "受案", "--json"]);
    refused(&instance, &["case", "stage", "--case", "罚-重复", "--to", "审查决定"], "丰台 第四条");
    refused(&instance, &["case", "stage", "--case", "罚-重复", "--to", "执行"], "丰台 第四条");
    let output = instance.run(&["case", "stage", "--case", "罚-重复", "--to", "decide"]);
    assert!(text(&output).contains("is not a stage"), "{}", text(&output));
    let output = instance.run(&["case", "stage", "--case", "不存在", "--to", "立案"]);
    assert!(text(&output).contains("there is no case"), "{}", text(&output));

    // Nothing refused was kept: two cases, one step.
    let cases: Vec<Value> = String::from_utf8(instance.run(&["case", "list", "--json"]).stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases.iter().map(|case| case["steps"].as_array().unwrap().len()).sum::<usize>(), 5);
}

async fn a_recording_links_to_a_stage_the_case_reached(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    let output = instance.run(&["device", "add", "--serial", "DSJ-L-1", "--kind", "body-camera", "--officer", "0203001"]);
    assert!(output.status.success(), "{}", text(&output));
    let recorded = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(3);
    let camera = instance.dir.path().join("CAMERA");
    crate::support::video_clip(recorded, &camera.join("DCIM/clip.mp4"));
    let summary = json(&instance, &["ingest", camera.to_str().unwrap(), "--device", "DSJ-L-1", "--json"]);
    let media = summary["devices"][0]["files"][0]["media_id"].as_str().unwrap().to_owned();
    let sha256 = summary["devices"][0]["files"][0]["sha256"].as_str().unwrap().to_owned();

    let mut args = NEW_PENALTY.to_vec();
    args.extend(["--number", "罚-音像", "--json"]);
    json(&instance, &args);
    json(&instance, &["case", "stage", "--case", "罚-音像", "--to", "受案", "--json"]);
    let link = [
        "case",
        "link",
        "--case",
        "罚-音像",
        "--media",
        &media,
        "--item",
        "现场检查",
        "--location",
        "思明区中山路 12 号",
        "--label",
        "现场检查：人行道摆摊",
    ];
    // 丰台 第十二条 via the stage rule: not before the case is there.
    refused(&instance, &[&link[..], &["--stage", "调查取证"]].concat(), "丰台 第十二条");
    let linked = json(&instance, &[&link[..], &["--stage", "受案", "--json"]].concat());
    let ended: jiff::Timestamp = linked["recording_end"].as_str().expect("the recording's end is kept").parse().unwrap();
    let linked_at: jiff::Timestamp = linked["linked_at"].as_str().unwrap().parse().unwrap();
    assert!(linked_at.duration_since(ended) >= jiff::SignedDuration::from_hours(3) - jiff::SignedDuration::from_secs(5), "{linked:#}");
    let output = instance.run(&[&link[..], &["--stage", "受案"]].concat());
    assert!(text(&output).contains("already linked"), "{}", text(&output));
    // By SHA-256 too, at another stage.
    json(&instance, &["case", "stage", "--case", "罚-音像", "--to", "立案", "--emergency", "--json"]);
    let view = json(&instance, &["case", "show", "--case", "罚-音像", "--json"]);
    assert!(view["start_approval_due"].is_string(), "an emergency start is due for approval: {view:#}");
    assert_eq!(view["start_approval_overdue"], false);
    approve_all(&instance, "罚-音像", "start", &START);
    let view = json(&instance, &["case", "show", "--case", "罚-音像", "--json"]);
    assert!(view["start_approval_due"].is_null(), "approved: nothing due");
    json(
        &instance,
        &[
            "case",
            "link",
            "--case",
            "罚-音像",
            "--media",
            &sha256,
            "--stage",
            "立案",
            "--item",
            "调查取证",
            "--location",
            "队部",
            "--label",
            "复看",
            "--json",
        ],
    );
    let view = json(&instance, &["case", "show", "--case", "罚-音像", "--json"]);
    assert_eq!(view["links"].as_array().unwrap().len(), 2);
    let output = instance.run(&[
        "case",
        "link",
        "--case",
        "罚-音像",
        "--media",
        &"0".repeat(64),
        "--stage",
        "立案",
        "--item",
        "其他",
        "--location",
        "x",
        "--label",
        "y",
    ]);
    assert!(text(&output).contains("no stored file"), "{}", text(&output));
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

async fn complaints_are_decided_once_and_named_complainants_told(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    let named = json(
        &instance,
        &[
            "complaint",
            "new",
            "--channel",
            "phone",
            "--content",
            "夜间施工噪音",
            "--location",
            "中山路",
            "--name",
            "赵六",
            "--phone",
            "13800000000",
            "--json",
        ],
    );
    let id = named["id"].as_str().unwrap().to_owned();
    refused(&instance, &["complaint", "decide", "--complaint", &id, "--no-case", "不属于本机关职责"], "大连 第七条");
    json(&instance, &["complaint", "decide", "--complaint", &id, "--no-case", "不属于本机关职责", "--notice", "电话告知", "--json"]);
    let output = instance.run(&["complaint", "decide", "--complaint", &id, "--no-case", "再议", "--notice", "电话"]);
    assert!(text(&output).contains("decided already"), "{}", text(&output));

    let anonymous =
        json(&instance, &["complaint", "new", "--channel", "online", "--content", "人行道摆摊", "--location", "思明南路", "--json"]);
    let mut args = NEW_PENALTY.to_vec();
    args.extend(["--number", "罚-投诉", "--json"]);
    json(&instance, &args);
    json(&instance, &["complaint", "decide", "--complaint", anonymous["id"].as_str().unwrap(), "--case", "罚-投诉", "--json"]);
    let listing = text(&instance.run(&["complaint", "list"]));
    assert!(listing.contains("不立案 no case: 不属于本机关职责") && listing.contains("已立案 case"), "{listing}");
}

mod documents;

//! Case documents through the binary: made, signed or refused with a
//! witness, corrected by a new version that names the one it supersedes
//! (never edited), and printed.

use super::*;

on_both_backends!(documents_are_signed_refused_and_corrected_never_edited);

async fn documents_are_signed_refused_and_corrected_never_edited(postgres: bool) {
    let instance = instance_with_officers(postgres).await;
    let mut args = NEW_PENALTY.to_vec();
    args.extend(["--number", "罚-文书", "--json"]);
    json(&instance, &args);
    json(&instance, &["case", "stage", "--case", "罚-文书", "--to", "受案", "--json"]);
    json(&instance, &["case", "stage", "--case", "罚-文书", "--to", "立案", "--emergency", "--json"]);
    json(&instance, &["case", "stage", "--case", "罚-文书", "--to", "调查取证", "--json"]);
    refused(&instance, &["case", "archive", "--case", "罚-文书"], "大连 第二十二条");
    let inquiry = [
        "case",
        "doc",
        "new",
        "--case",
        "罚-文书",
        "--kind",
        "询问笔录",
        "--maker",
        "0203001",
        "--legal-basis",
        "《行政处罚法》第五十五条",
    ];
    let missing =
        refused(&instance, &[&inquiry[..], &["--stage", "调查取证", "--field", "place=中山路 12 号"]].concat(), "大连 第八、十条");
    assert!(missing.contains("questions_and_answers"), "{missing}");
    let fields = [
        "--field",
        "place=中山路 12 号",
        "--field",
        "started_at=10:00",
        "--field",
        "ended_at=10:30",
        "--field",
        "questions_and_answers=问：是否在此摆摊？\n答：是。",
    ];
    refused(&instance, &[&inquiry[..], &["--stage", "审查决定"], &fields[..]].concat(), "丰台 第十一条");
    let first = json(&instance, &[&inquiry[..], &["--stage", "调查取证", "--json"], &fields[..]].concat());
    let first_id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(first["version"], 1);

    let signed =
        json(&instance, &["case", "doc", "sign", "--document", &first_id, "--officer", "0203001", "--certificate-shown", "--json"]);
    assert_eq!(signed["signer"]["certificate_no"], "闽Z0203001");
    assert_eq!(signed["signer"]["certificate_shown"], true);
    let refusal = json(
        &instance,
        &[
            "case",
            "doc",
            "sign",
            "--document",
            &first_id,
            "--party",
            "王五",
            "--refused",
            "不认可违法事实",
            "--refusal-witness",
            "社区干部赵六",
            "--json",
        ],
    );
    assert_eq!(refusal["refusal"]["witness"], "社区干部赵六");
    refused(
        &instance,
        &["case", "doc", "sign", "--document", &first_id, "--party", "王五", "--refused", "不认可", "--refusal-witness", " "],
        "大连 第十条",
    );

    // A correction is a new version; the signed one stays as it was.
    refused(
        &instance,
        &["case", "doc", "correct", "--document", &first_id, "--reason", " ", "--maker", "0203001", "--field", "place=中山路 21 号"],
        "丰台 第二十九条",
    );
    let second = json(
        &instance,
        &[
            "case",
            "doc",
            "correct",
            "--document",
            &first_id,
            "--reason",
            "门牌号笔误",
            "--maker",
            "0203001",
            "--field",
            "place=中山路 21 号",
            "--json",
        ],
    );
    assert_eq!(second["version"], 2);
    assert_eq!(second["supersedes"], first_id.as_str());
    assert_eq!(second["fields"]["questions_and_answers"], "问：是否在此摆摊？\n答：是。", "unchanged fields are kept");
    refused(&instance, &["case", "doc", "sign", "--document", &first_id, "--witness", "赵六"], "丰台 第二十九条");
    let output =
        instance.run(&["case", "doc", "correct", "--document", &first_id, "--reason", "再改", "--maker", "0203001", "--field", "place=x"]);
    assert!(text(&output).contains("corrected already"), "{}", text(&output));
    let listed: Vec<Value> = String::from_utf8(instance.run(&["case", "doc", "list", "--case", "罚-文书", "--json"]).stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["document"]["fields"]["place"], "中山路 12 号", "the old version stays readable");
    assert_eq!(listed[0]["superseded_by"], second["id"]);
    // 丰台 第二十九条: a correction not touching the party's rights needs the leader's approval.
    assert!(listed[1]["correction_pending"].as_str().unwrap().contains("负责人批准"), "{:#}", listed[1]);
    let second_id = second["id"].as_str().unwrap();
    json(&instance, &["case", "doc", "sign", "--document", second_id, "--leader", "0203001", "--json"]);
    let third = json(
        &instance,
        &[
            "case",
            "doc",
            "correct",
            "--document",
            second_id,
            "--reason",
            "补充当事人陈述",
            "--touches-rights",
            "--maker",
            "0203001",
            "--field",
            "questions_and_answers=问：……答：我不知道不能摆摊。",
            "--json",
        ],
    );
    let listed: Vec<Value> = String::from_utf8(instance.run(&["case", "doc", "list", "--case", "罚-文书", "--json"]).stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(listed[1]["correction_pending"], Value::Null, "the leader approved the second version");
    assert!(listed[2]["correction_pending"].as_str().unwrap().contains("法制审核"), "{:#}", listed[2]);
    json(&instance, &["case", "doc", "sign", "--document", third["id"].as_str().unwrap(), "--legal-reviewer", "0203002", "--json"]);
    assert_eq!(listed[0]["signatures"].as_array().unwrap().len(), 2);

    // A decision cannot be served before it was made (大连 第十七条).
    json(&instance, &["case", "stage", "--case", "罚-文书", "--to", "审查决定", "--json"]);
    let decision = json(
        &instance,
        &[
            "case",
            "doc",
            "new",
            "--case",
            "罚-文书",
            "--kind",
            "penalty_decision",
            "--stage",
            "审查决定",
            "--maker",
            "0203001",
            "--legal-basis",
            "《城市市容和环境卫生管理条例》第三十六条",
            "--field",
            "facts=占道经营",
            "--field",
            "evidence=询问笔录、现场照片",
            "--field",
            "decision=罚款二百元",
            "--field",
            "rights_notified=陈述、申辩、听证、复议、诉讼",
            "--json",
        ],
    );
    let decision_id = decision["id"].as_str().unwrap();
    let receipt = |served_at: &str| {
        [
            "case",
            "doc",
            "new",
            "--case",
            "罚-文书",
            "--kind",
            "送达回证",
            "--stage",
            "审查决定",
            "--maker",
            "0203001",
            "--legal-basis",
            "《行政处罚法》第六十一条",
            "--field",
            &format!("document={decision_id}"),
            "--field",
            "method=直接送达",
            "--field",
            &format!("served_at={served_at}"),
            "--field",
            "recipient=王五",
        ]
        .map(str::to_owned)
    };
    let mut postal = receipt(&(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5)).to_string()).to_vec();
    let method = postal.iter().position(|arg| arg == "method=直接送达").unwrap();
    postal[method] = "method=邮寄送达".to_owned();
    let said = refused(&instance, &postal.iter().map(String::as_str).collect::<Vec<_>>(), "大连 第十七条");
    assert!(said.contains("mail_receipt_no"), "{said}");
    let early = receipt("2020-01-01T10:00:00+08:00");
    refused(&instance, &early.iter().map(String::as_str).collect::<Vec<_>>(), "大连 第十七条");
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5)).to_string();
    let on_time = receipt(&later);
    let output = instance.run(&on_time.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(output.status.success(), "{}", text(&output));
    // The printed forms carry what was recorded, in Chinese.
    let pdf = instance.dir.path().join("inquiry.pdf");
    let output = instance.run(&["case", "doc", "pdf", "--document", &first_id, "--out", pdf.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let printed = pdf_text(&pdf);
    for expected in ["询问笔录", "罚-文书", "中山路 12 号", "拒绝签名", "社区干部赵六", "闽Z0203001", "已出示证件"]
    {
        assert!(printed.contains(&expected.replace(' ', "")), "the form shows {expected}: {printed}");
    }
    let index = instance.dir.path().join("index.pdf");
    let output = instance.run(&["case", "index", "--case", "罚-文书", "--out", index.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let printed = pdf_text(&index);
    for expected in ["行政执法案卷目录", "行政处罚决定书", "第 3 版", "调查取证", "紧急启动"] {
        assert!(printed.contains(&expected.replace(' ', "")), "the index shows {expected}: {printed}");
    }
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

/// The text of a PDF, by poppler's pdftotext (a reader we did not write),
/// without white space (it breaks lines and spaces Chinese from Latin).
fn pdf_text(path: &std::path::Path) -> String {
    let output = std::process::Command::new("pdftotext").arg(path).arg("-").output().expect("pdftotext (poppler-utils) is installed");
    assert!(output.status.success(), "{}", text(&output));
    assert!(std::fs::read(path).unwrap().starts_with(b"%PDF-"), "a PDF file");
    String::from_utf8(output.stdout).unwrap().chars().filter(|c| !c.is_whitespace()).collect()
}

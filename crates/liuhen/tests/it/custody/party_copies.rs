//! Party copies: a legal reviewer's redaction (muted seconds, a blurred
//! region) made as a new record derived from the original, which stays
//! untouched and verifying; the party sees the copy on an approved
//! request, and a court package may carry it in the original's place.

use super::*;

on_both_backends!(party_copies_withhold_what_the_reviewer_chose_and_keep_the_original);

/// A four-second clip with a 440 Hz tone, made by ffmpeg.
fn clip_with_sound(at: Timestamp, target: &Path) {
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let creation = format!("creation_time={}", at.strftime("%Y-%m-%dT%H:%M:%SZ"));
    let output = std::process::Command::new("ffmpeg")
        .args([
            "-y",
            "-v",
            "error",
            "-nostdin",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
        ])
        .args([
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-metadata",
            &creation,
            "-f",
            "mp4",
        ])
        .arg(target)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

/// One decoded frame at `second`, as raw grey pixels.
fn frame_at(path: &Path, second: &str) -> Vec<u8> {
    let output = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-ss", second, "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    output.stdout
}

/// The mean difference of two grey frames (320 wide) inside a rectangle.
fn difference(a: &[u8], b: &[u8], (x, y, w, h): (usize, usize, usize, usize)) -> f64 {
    let mut total = 0u64;
    for row in y..y + h {
        for column in x..x + w {
            total += u64::from(a[row * 320 + column].abs_diff(b[row * 320 + column]));
        }
    }
    total as f64 / (w * h) as f64
}

async fn party_copies_withhold_what_the_reviewer_chose_and_keep_the_original(postgres: bool) {
    let instance = xiamen(postgres).await;
    run_ok(&instance, &["user", "add", "--login", "wang.wu", "--name", "王五（当事人代理）", "--role", "officer"]);
    let camera = instance.dir.path().join("camera");
    let recorded = Timestamp::now() - SignedDuration::from_mins(30);
    let local = recorded.to_zoned(TimeZone::fixed(jiff::tz::offset(8)));
    clip_with_sound(recorded, &camera.join("DCIM").join(format!("DSJ_{SERIAL}_{BADGE}_{}.MP4", local.strftime("%Y%m%d_%H%M%S"))));
    std::fs::write(camera.join("DEVICE.TXT"), format!("产品序号={SERIAL}\n警号={BADGE}\n")).unwrap();
    let summary = json(&instance, &["ingest", camera.to_str().unwrap(), "--json"]);
    let original = summary["devices"][0]["files"][0]["media_id"].as_str().unwrap().to_owned();
    let original_sha = summary["devices"][0]["files"][0]["sha256"].as_str().unwrap().to_owned();
    case_with(&instance, &original);

    // Only a legal reviewer decides what is withheld.
    let ops = ["--op", "mute:1-2", "--op", "blur:0,0,160,120"];
    let mut args = vec!["redact", "--media", &original, "--reason", "画面及声音可识别举报人", "--reviewer", "zhou.jie"];
    args.extend(ops);
    assert!(refused(&instance, &args).contains("legal_reviewer"));
    assert!(refused(&instance, &["redact", "--media", &original, "--op", "mute:1-9", "--reason", "x", "--reviewer", "liu.fang"])
        .contains("past the end"));
    let mut args = vec!["redact", "--media", &original, "--reason", "画面及声音可识别举报人", "--reviewer", "liu.fang", "--json"];
    args.extend(ops);
    let made = json(&instance, &args);
    let copy = made["media"]["id"].as_str().unwrap().to_owned();
    let copy_sha = made["media"]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(made["redaction"]["source_sha256"], original_sha.as_str());
    assert_eq!(made["redaction"]["reviewer_name"], "刘芳");

    // The sound is gone where it was muted and nowhere else; the blurred
    // quarter differs from the original, the rest does not.
    let original_path = instance.blob_path(&original_sha);
    let copy_path = instance.blob_path(&copy_sha);
    let loud = liuhen_custody::redaction::mean_volume(&copy_path, 2500, 3500).unwrap();
    let muted = liuhen_custody::redaction::mean_volume(&copy_path, 1100, 1900).unwrap();
    assert!(loud > -40.0 && muted < -80.0, "loud {loud} dB, muted {muted} dB");
    let (before, after) = (frame_at(&original_path, "2.5"), frame_at(&copy_path, "2.5"));
    assert!(difference(&before, &after, (10, 10, 140, 100)) > 8.0, "the region is blurred");
    assert!(difference(&before, &after, (170, 130, 140, 100)) < 4.0, "the rest is as recorded");
    // The original is untouched and still verifies; the copy is a record of its own.
    assert_eq!(liuhen_core::digest::sha256(&std::fs::read(&original_path).unwrap()).to_hex(), original_sha);
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");

    // The party, with an approved party-inspection request for the case,
    // sees the copy (the original carries a privacy mark).
    run_ok(&instance, &["mark", "--media", &original, "--as", "privacy", "--note", "含举报人"]);
    let request = request(&instance, "wang.wu", &["--case", NUMBER, "--purpose", "party_inspection"]);
    run_ok(&instance, &["access", "approve", &request, "--user", "wang.qiang"]);
    let check = |media: &str| instance.run(&["access", "check", "--user", "wang.wu", "--media", media]).status.success();
    assert!(!check(&original), "not the marked original");
    assert!(check(&copy), "the party copy");

    // A package may carry the copy in place of the original, marked as such, and verifies.
    let grant = request_copy(&instance);
    let out = instance.dir.path().join("复议材料");
    json(
        &instance,
        &[
            "export",
            "--case",
            NUMBER,
            "--records",
            &copy,
            "--purpose",
            "reconsideration",
            "--grant",
            &grant,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    );
    let index: Value = serde_json::from_slice(&std::fs::read(out.join("data/package.json")).unwrap()).unwrap();
    let media: Vec<&Value> = index["files"].as_array().unwrap().iter().filter(|f| f["kind"] == "media").collect();
    assert_eq!((media.len(), media[0]["redacted"].as_bool()), (1, Some(true)));
    let key = run_ok(&instance, &["ledger", "public-key"]).lines().next().unwrap().trim().to_owned();
    let (ok, report) = verify_package(&instance, &out, &key);
    assert!(ok, "{report}");
    assert!(pdf_text(&out.join("data/notes/01_情况说明.pdf")).contains("删减"));

    // A document copy withholds the field the reviewer named; the rest is printed.
    let document = json(
        &instance,
        &[
            "case",
            "doc",
            "new",
            "--case",
            NUMBER,
            "--kind",
            "询问笔录",
            "--stage",
            "受案",
            "--maker",
            BADGE,
            "--legal-basis",
            "《行政处罚法》第五十五条",
            "--field",
            "place=中山路12号",
            "--field",
            "started_at=2026-12-01 09:00",
            "--field",
            "ended_at=2026-12-01 09:30",
            "--field",
            "questions_and_answers=问：谁反映的？答：隔壁商户赵六，电话13800000000",
            "--json",
        ],
    );
    let document_id = document["id"].as_str().unwrap();
    assert!(refused(&instance, &["redact", "--document", document_id, "--op", "field:nope", "--reason", "x", "--reviewer", "liu.fang"])
        .contains("questions_and_answers"));
    let made = json(
        &instance,
        &[
            "redact",
            "--document",
            document_id,
            "--op",
            "field:questions_and_answers",
            "--reason",
            "保护举报人身份",
            "--reviewer",
            "liu.fang",
            "--json",
        ],
    );
    let pdf = instance.blob_path(made["media"]["sha256"].as_str().unwrap());
    let printed = pdf_text(&pdf);
    assert!(printed.contains("中山路") && printed.contains("（已删减）") && printed.contains("当事人查阅副本"), "{printed}");
    assert!(!printed.contains("赵六") && !printed.contains("13800000000"), "the withheld field leaks nothing: {printed}");
}

/// A copy grant for the case, for reconsideration, approved.
fn request_copy(instance: &Instance) -> String {
    let grant = request(instance, "liu.fang", &["--case", NUMBER, "--purpose", "reconsideration", "--mode", "copy"]);
    run_ok(instance, &["access", "approve", &grant, "--user", "wang.qiang"]);
    grant
}

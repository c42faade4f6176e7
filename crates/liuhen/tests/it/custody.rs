//! Custody end to end, on both databases: access requests approved and
//! refused, grants bound to records, mode and period; a court package that
//! verifies offline (ours and the independent `bagit` tool) and fails on
//! any altered byte, a proof for another checkpoint, or the wrong key;
//! retention that never removes a held record and leaves a tombstone; a
//! backup restored into a new instance that verifies identically.

use std::path::Path;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::support::{text, video_clip, Instance};

on_both_backends!(
    access_needs_an_approved_grant_for_its_records_mode_and_period,
    a_court_package_verifies_offline_and_fails_on_any_change,
    retention_disposes_only_expired_unheld_records_on_an_approved_list,
    a_restored_backup_verifies_identically,
    a_backup_in_a_bucket_restores_identically,
);

const SERIAL: &str = "DSJ-X5-0042";
const BADGE: &str = "0203001";
const NUMBER: &str = "思城管罚〔2026〕11号";

fn run_ok(instance: &Instance, args: &[&str]) -> String {
    let output = instance.run(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(instance: &Instance, args: &[&str]) -> Value {
    let output = instance.run(args);
    assert!(output.status.success(), "{args:?}: {}", text(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{args:?}: {error}: {}", text(&output)))
}

fn refused(instance: &Instance, args: &[&str]) -> String {
    let output = instance.run(args);
    assert!(!output.status.success(), "{args:?} should be refused: {}", text(&output));
    text(&output)
}

/// 厦门 with one squad, two officers, a leader, a camera and accounts for
/// each role that takes part.
async fn xiamen(postgres: bool) -> Instance {
    xiamen_with(postgres, &[]).await
}

/// The same, initialised with extra settings (e.g. the vault's).
async fn xiamen_with(postgres: bool, settings: &[(&str, &str)]) -> Instance {
    let instance = Instance::new_with(postgres, settings).await;
    run_ok(&instance, &["pack", "use", "xiamen-cgj"]);
    for args in [
        &["unit", "add", "--name", "思明区大队一中队", "--code", "SM01"][..],
        &["officer", "add", "--name", "张伟", "--badge", BADGE, "--certificate", "闽执350200011", "--unit", "SM01"],
        &["officer", "add", "--name", "李娜", "--badge", "0203002", "--certificate", "闽执350200012", "--unit", "SM01"],
        &["officer", "add", "--name", "陈明", "--badge", "0203003", "--certificate", "闽执350200013", "--unit", "SM01"],
        &["device", "add", "--serial", SERIAL, "--kind", "body-camera", "--officer", BADGE, "--unit", "SM01"],
        &["user", "add", "--login", "zhang.wei", "--name", "张伟", "--role", "officer", "--officer", BADGE],
        &["user", "add", "--login", "chen.ming", "--name", "陈明", "--role", "officer", "--officer", "0203003"],
        &["user", "add", "--login", "liu.fang", "--name", "刘芳", "--role", "legal_reviewer"],
        &["user", "add", "--login", "wang.qiang", "--name", "王强", "--role", "unit_leader"],
        &["user", "add", "--login", "zhou.jie", "--name", "周杰", "--role", "archivist"],
    ] {
        run_ok(&instance, args);
    }
    instance
}

/// Offloads one-second clips recorded `ago` before now; returns their media ids in order.
fn ingest_clips(instance: &Instance, name: &str, ago: &[SignedDuration]) -> Vec<String> {
    let camera = instance.dir.path().join(name);
    for ago in ago {
        let recorded = Timestamp::now() - *ago;
        let local = recorded.to_zoned(TimeZone::fixed(jiff::tz::offset(8)));
        let file = format!("DSJ_{SERIAL}_{BADGE}_{}.MP4", local.strftime("%Y%m%d_%H%M%S"));
        video_clip(recorded, &camera.join("DCIM").join(file));
    }
    std::fs::write(camera.join("DEVICE.TXT"), format!("产品序号={SERIAL}\n警号={BADGE}\n")).unwrap();
    let summary = json(instance, &["ingest", camera.to_str().unwrap(), "--json"]);
    let mut files: Vec<&Value> = summary["devices"][0]["files"].as_array().unwrap().iter().collect();
    files.sort_by_key(|file| file["corrected_start"].as_str().map(str::to_owned));
    files.into_iter().map(|file| file["media_id"].as_str().unwrap().to_owned()).collect()
}

/// A penalty case with the clip linked at 受案.
fn case_with(instance: &Instance, media: &str) {
    run_ok(
        instance,
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
            "person:王五:350203199001011234",
            "--number",
            NUMBER,
        ],
    );
    run_ok(instance, &["case", "stage", "--case", NUMBER, "--to", "受案"]);
    run_ok(
        instance,
        &[
            "case",
            "link",
            "--case",
            NUMBER,
            "--media",
            media,
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
}

fn request(instance: &Instance, user: &str, extra: &[&str]) -> String {
    let mut args = vec!["access", "request", "--user", user, "--reason", "行政诉讼举证", "--json"];
    args.extend_from_slice(extra);
    json(instance, &args)["id"].as_str().unwrap().to_owned()
}

async fn access_needs_an_approved_grant_for_its_records_mode_and_period(postgres: bool) {
    let instance = xiamen(postgres).await;
    let media = ingest_clips(&instance, "camera", &[SignedDuration::from_mins(30)]);
    case_with(&instance, &media[0]);
    let check = |user: &str, copy: bool| {
        let mut args = vec!["access", "check", "--user", user, "--media", &media[0]];
        if copy {
            args.push("--copy");
        }
        instance.run(&args).status.success()
    };
    // The recording officer sees his own footage; a colleague outside the
    // case and every back-office role do not, without a grant.
    assert!(check("zhang.wei", false));
    assert!(!check("zhang.wei", true), "copying one's own footage still needs a grant");
    for user in ["chen.ming", "liu.fang", "wang.qiang", "zhou.jie"] {
        assert!(!check(user, false), "{user} needs a grant");
    }
    let said = String::from_utf8_lossy(&instance.run(&["access", "check", "--user", "liu.fang", "--media", &media[0]]).stdout).into_owned();
    assert!(said.contains("调阅申请"), "the refusal says what to do: {said}");

    // A view grant for the case, approved by the leader, not by the requester.
    let id = request(&instance, "liu.fang", &["--case", NUMBER, "--purpose", "行政诉讼", "--for", "思明区人民法院"]);
    assert!(refused(&instance, &["access", "approve", &id, "--user", "liu.fang"]).contains("person who made it"));
    assert!(refused(&instance, &["access", "approve", &id, "--user", "zhou.jie"]).contains("unit_leader"));
    assert!(!check("liu.fang", false), "pending is not granted");
    run_ok(&instance, &["access", "approve", &id, "--user", "wang.qiang", "--opinion", "同意调阅"]);
    assert!(check("liu.fang", false), "the grant covers the case's recordings");
    assert!(!check("liu.fang", true), "a view grant does not allow copying");
    assert!(!check("zhou.jie", false), "a grant is the requester's own");
    assert!(refused(&instance, &["access", "approve", &id, "--user", "wang.qiang"]).contains("already decided"));

    // A refusal needs its reason, and grants nothing.
    let copy = request(&instance, "zhou.jie", &["--media", &media[0], "--purpose", "publicity", "--mode", "copy"]);
    refused(&instance, &["access", "refuse", &copy, "--user", "wang.qiang", "--opinion", " "]);
    run_ok(&instance, &["access", "refuse", &copy, "--user", "wang.qiang", "--opinion", "涉及当事人隐私，不宜宣传"]);
    assert!(!check("zhou.jie", true));

    // A privacy mark withdraws grants for purposes it does not allow, and
    // refuses new ones.
    let training = request(&instance, "chen.ming", &["--media", &media[0], "--purpose", "training"]);
    run_ok(&instance, &["access", "approve", &training, "--user", "wang.qiang"]);
    assert!(check("chen.ming", false));
    run_ok(&instance, &["mark", "--media", &media[0], "--as", "个人隐私", "--note", "画面含未成年人"]);
    assert!(!check("chen.ming", false), "privacy is not for training");
    assert!(check("liu.fang", false), "litigation still may");
    let again = request(&instance, "chen.ming", &["--media", &media[0], "--purpose", "training"]);
    assert!(refused(&instance, &["access", "approve", &again, "--user", "wang.qiang"]).contains("个人隐私"));

    // An expired grant grants nothing.
    let old = request(&instance, "zhou.jie", &["--case", NUMBER, "--purpose", "audit", "--from", "2026-01-01", "--until", "2026-01-05"]);
    run_ok(&instance, &["access", "approve", &old, "--user", "wang.qiang"]);
    assert!(!check("zhou.jie", false));
    let listed = json(&instance, &["access", "list", "--user", "zhou.jie", "--json"]);
    let states: Vec<&str> = listed.as_array().unwrap().iter().map(|row| row["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["refused", "expired"]);

    // The requisition form (调用单) prints, with the decision.
    let form = instance.dir.path().join("调用单.pdf");
    run_ok(&instance, &["access", "form", &id, "--out", form.to_str().unwrap()]);
    let printed = pdf_text(&form);
    for expected in ["调用单", "刘芳", "行政诉讼", "思明区人民法院", "同意调阅", "王强"] {
        assert!(printed.contains(expected), "the form shows {expected}: {printed}");
    }
    // Every request and decision is in the ledger, which verifies.
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

fn pdf_text(path: &Path) -> String {
    let output = std::process::Command::new("pdftotext").args(["-layout"]).arg(path).arg("-").output().unwrap();
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs the independent `bagit` Python tool (PyPI) on a package, if present;
/// under CI it must be.
fn bagit_validates(dir: &Path) -> Option<bool> {
    match std::process::Command::new("python3").args(["-m", "bagit", "--validate"]).arg(dir).output() {
        Ok(output) if String::from_utf8_lossy(&output.stderr).contains("No module named bagit") => {
            assert!(std::env::var_os("CI").is_none(), "CI installs the bagit tool (pip install bagit)");
            eprintln!("note: python bagit is not installed; the independent check is skipped");
            None
        }
        Ok(output) => Some(output.status.success()),
        Err(error) => panic!("python3: {error}"),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn verify_package(instance: &Instance, dir: &Path, key: &str) -> (bool, String) {
    let output = instance.run(&["verify-package", dir.to_str().unwrap(), "--key", key]);
    (output.status.success(), text(&output))
}

async fn a_court_package_verifies_offline_and_fails_on_any_change(postgres: bool) {
    let instance = xiamen(postgres).await;
    let media = ingest_clips(&instance, "camera", &[SignedDuration::from_mins(50), SignedDuration::from_mins(20)]);
    case_with(&instance, &media[0]);
    run_ok(
        &instance,
        &[
            "case",
            "link",
            "--case",
            NUMBER,
            "--media",
            &media[1],
            "--stage",
            "受案",
            "--item",
            "现场检查",
            "--location",
            "中山路14号",
            "--label",
            "责令改正",
        ],
    );
    let key = run_ok(&instance, &["ledger", "public-key"]).lines().next().unwrap().trim().to_owned();
    let out = instance.dir.path().join("证据包");
    // Without a copy grant in force there is no package.
    let view = request(&instance, "liu.fang", &["--case", NUMBER, "--purpose", "litigation"]);
    run_ok(&instance, &["access", "approve", &view, "--user", "wang.qiang"]);
    let said =
        refused(&instance, &["export", "--case", NUMBER, "--purpose", "litigation", "--grant", &view, "--out", out.to_str().unwrap()]);
    assert!(said.contains("viewing only"), "{said}");
    let grant = request(&instance, "liu.fang", &["--case", NUMBER, "--purpose", "litigation", "--mode", "copy", "--for", "思明区人民法院"]);
    run_ok(&instance, &["access", "approve", &grant, "--user", "wang.qiang"]);
    let made = json(
        &instance,
        &[
            "export",
            "--case",
            NUMBER,
            "--purpose",
            "litigation",
            "--grant",
            &grant,
            "--for",
            "思明区人民法院",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(made["summary"]["record"]["media"].as_array().unwrap().len(), 2);
    assert!(made["summary"]["entries"].as_u64().unwrap() >= 4, "each file's ingest and link (and the reads) are proven: {made}");

    // The package holds the originals byte for byte, the papers, and the ledger's evidence.
    let index: Value = serde_json::from_slice(&std::fs::read(out.join("data/package.json")).unwrap()).unwrap();
    let originals: Vec<&Value> = index["files"].as_array().unwrap().iter().filter(|f| f["kind"] == "media").collect();
    assert_eq!(originals.len(), 2);
    for file in &originals {
        let stored = instance.blob_path(file["sha256"].as_str().unwrap());
        assert_eq!(std::fs::read(out.join(file["path"].as_str().unwrap())).unwrap(), std::fs::read(stored).unwrap());
    }
    for paper in
        ["data/复制件一致性声明.pdf", "data/checklist/音像记录事项清单.pdf", "data/notes/01_情况说明.pdf", "data/documents/案卷目录.pdf"]
    {
        assert!(out.join(paper).is_file(), "{paper}");
    }
    let note = pdf_text(&out.join("data/notes/01_情况说明.pdf"));
    assert!(note.contains("情况说明") && note.contains("张伟") && note.contains(&originals[0]["sha256"].as_str().unwrap()[..16]), "{note}");
    assert!(std::fs::read_to_string(out.join("manifest-sm3.txt")).unwrap().lines().count() > 6);

    let (ok, report) = verify_package(&instance, &out, &key);
    assert!(ok, "{report}");
    assert!(bagit_validates(&out).unwrap_or(true), "the bagit tool validates the package");

    // One flipped byte in an original: both checks fail, naming the file.
    let altered = instance.dir.path().join("altered");
    copy_tree(&out, &altered);
    let clip = altered.join(originals[1]["path"].as_str().unwrap());
    let mut bytes = std::fs::read(&clip).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&clip, bytes).unwrap();
    let (ok, report) = verify_package(&instance, &altered, &key);
    assert!(!ok && report.contains(originals[1]["path"].as_str().unwrap()), "{report}");
    assert!(!bagit_validates(&altered).unwrap_or(false), "the bagit tool finds the altered byte");

    // An altered byte in a ledger entry, even with the manifests redone.
    let entry_altered = instance.dir.path().join("entry-altered");
    copy_tree(&out, &entry_altered);
    let first_entry = originals[0]["entries"][0].as_u64().unwrap();
    let entry_path = entry_altered.join(format!("data/ledger/entries/{first_entry}.json"));
    let entry = std::fs::read_to_string(&entry_path).unwrap().replacen("recording.ingested", "recording.ingesteD", 1);
    std::fs::write(&entry_path, entry).unwrap();
    let (ok, report) = verify_package(&instance, &entry_altered, &key);
    assert!(!ok, "{report}");

    // A proof for another checkpoint: a newer one after more entries.
    run_ok(&instance, &["hold", "place", "--case", NUMBER, "--reason", "litigation", "--note", "已起诉"]);
    let newer = run_ok(&instance, &["ledger", "proof", "--index", &first_entry.to_string()]);
    let wrong_proof = instance.dir.path().join("wrong-proof");
    copy_tree(&out, &wrong_proof);
    std::fs::write(wrong_proof.join(format!("data/ledger/proofs/{first_entry}.txt")), newer).unwrap();
    let (ok, report) = verify_package(&instance, &wrong_proof, &key);
    assert!(!ok && report.contains("another checkpoint"), "{report}");

    // The wrong key: another instance's.
    let other = Instance::new(false).await;
    let other_key = run_ok(&other, &["ledger", "public-key"]).lines().next().unwrap().trim().to_owned();
    let (ok, report) = verify_package(&instance, &out, &other_key);
    assert!(!ok && report.contains("signature"), "{report}");

    // The export is on record (复制留存) and audited per record.
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
    let iso = instance.dir.path().join("package.iso");
    let second = instance.dir.path().join("证据包2");
    let output = instance.run(&[
        "export",
        "--case",
        NUMBER,
        "--purpose",
        "litigation",
        "--grant",
        &grant,
        "--out",
        second.to_str().unwrap(),
        "--iso",
        iso.to_str().unwrap(),
    ]);
    if output.status.success() {
        assert!(std::fs::metadata(&iso).unwrap().len() > 32 * 1024, "an ISO 9660 image was written");
    } else {
        assert!(text(&output).contains("xorriso"), "without xorriso the error says what to install: {}", text(&output));
        assert!(std::env::var_os("CI").is_none(), "CI installs xorriso");
    }
}

async fn retention_disposes_only_expired_unheld_records_on_an_approved_list(postgres: bool) {
    let instance = xiamen(postgres).await;
    let year = SignedDuration::from_hours(24 * 366);
    // Two patrol clips from over a year ago (厦门: kept at least one year), one fresh.
    let media = ingest_clips(&instance, "camera", &[year * 2, year + SignedDuration::from_hours(48), SignedDuration::from_mins(10)]);
    let listed = json(&instance, &["retention", "list", "--json"]);
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|row| row["expiry"]["class"] == "patrol" && row["expiry"]["source"].as_str().unwrap().contains("五")));

    // A dispute freezes the second one.
    let hold = json(&instance, &["hold", "place", "--media", &media[1], "--reason", "dispute", "--note", "当事人对处罚有异议", "--json"]);
    let hold_id = hold[0]["id"].as_str().unwrap().to_owned();
    let expired = json(&instance, &["retention", "list", "--expired", "--json"]);
    let ids: Vec<&str> = expired.as_array().unwrap().iter().map(|row| row["media"]["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [media[0].as_str()], "only the old, unheld clip has expired");

    let dry = run_ok(&instance, &["retention", "run", "--dry-run"]);
    assert!(dry.contains(&media[0]) && dry.contains("nothing was changed"), "{dry}");
    // Running proposes a list; nothing goes before it is approved.
    let run = json(&instance, &["retention", "run", "--json"]);
    let list = run["proposed"]["id"].as_str().unwrap().to_owned();
    let first_blob = instance.blob_path(json(&instance, &["retention", "list", "--json"])[0]["media"]["sha256"].as_str().unwrap());
    assert!(first_blob.exists());
    let again = json(&instance, &["retention", "run", "--json"]);
    assert!(again["proposed"].is_null() && again["carried_out"].as_array().unwrap().is_empty(), "{again}");
    assert!(first_blob.exists(), "nothing is deleted without an approval");
    assert!(refused(&instance, &["retention", "approve", &list, "--user", "zhou.jie", "--opinion", "同意"]).contains("unit_leader"));
    // The hold is placed on the first clip too, after the list was approved: it must survive.
    run_ok(&instance, &["retention", "approve", &list, "--user", "wang.qiang", "--opinion", "同意销毁"]);
    let late_hold = json(&instance, &["hold", "place", "--media", &media[0], "--reason", "litigation", "--note", "已起诉", "--json"]);
    let kept = json(&instance, &["retention", "run", "--json"]);
    assert!(kept["carried_out"][0]["disposed"].as_array().unwrap().is_empty(), "{kept}");
    assert!(first_blob.exists(), "a held record is never removed");
    run_ok(&instance, &["hold", "release", late_hold[0]["id"].as_str().unwrap(), "--note", "撤诉"]);
    let done = json(&instance, &["retention", "run", "--json"]);
    assert_eq!(done["carried_out"][0]["disposed"].as_array().unwrap().len(), 1, "{done}");
    assert!(!first_blob.exists(), "the expired, unheld, approved record's blob is gone");
    // The tombstone stays: the record shows as disposed, the ledger verifies
    // (the missing blob is not a problem), the other two are untouched.
    let after = json(&instance, &["retention", "list", "--json"]);
    assert!(after[0]["disposed_at"].is_string());
    assert!(after[1]["disposed_at"].is_null() && after[2]["disposed_at"].is_null());
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
    run_ok(&instance, &["hold", "release", &hold_id, "--note", "异议已处理"]);
    assert!(run_ok(&instance, &["hold", "list"]).contains("已解除"));
}

/// On a bucket with Object Lock (moto's S3 server here), each command that
/// records something sets on each blob what its retention now calls for —
/// a compliance-mode retain-until date at its expiry, a legal hold while a
/// hold is placed, nothing on a record already expired — sending only what
/// changed, and the server then refuses to delete a locked blob. `liuhen
/// retention lock` finds nothing left to do, or with `--all` states every
/// lock again; `liuhen verify` says the bucket keeps locks.
#[tokio::test(flavor = "multi_thread")]
async fn blobs_are_locked_as_records_change_on_a_bucket_that_keeps_them() {
    use liuhen_vault::object_lock::testing::LockingServer;
    let Some(server) = LockingServer::start("blobs_are_locked_as_records_change_on_a_bucket_that_keeps_them").await else {
        return;
    };
    let bucket = server.create_bucket("evidence", true).await;
    let keys = tempfile::tempdir().unwrap();
    let secret = keys.path().join("s3-secret");
    std::fs::write(&secret, format!("{}\n", bucket.secret_access_key)).unwrap();
    let instance = xiamen_with(
        false,
        &[
            ("LIUHEN_VAULT__URL", "s3://evidence"),
            ("LIUHEN_VAULT__ENDPOINT", &server.endpoint),
            ("LIUHEN_VAULT__REGION", &bucket.region),
            ("LIUHEN_VAULT__ACCESS_KEY_ID", &bucket.access_key_id),
            ("LIUHEN_VAULT__SECRET_ACCESS_KEY_FILE", secret.to_str().unwrap()),
        ],
    )
    .await;
    let year = SignedDuration::from_hours(24 * 366);
    // An expired patrol clip, one to be put under a dispute hold, one fresh.
    // Nobody runs `retention lock`: the commands that record keep the locks.
    let media = ingest_clips(&instance, "camera", &[year * 2, SignedDuration::from_mins(20), SignedDuration::from_mins(10)]);
    let listed = json(&instance, &["retention", "list", "--json"]);
    let row = |id: &str| listed.as_array().unwrap().iter().find(|row| row["media"]["id"] == id).unwrap().clone();
    let sha256 = |id: &str| -> liuhen_core::digest::Sha256Digest { row(id)["media"]["sha256"].as_str().unwrap().parse().unwrap() };

    let expired = server.lock_state(&bucket, &sha256(&media[0])).await;
    assert_eq!(expired.mode, None, "a date already past is not set: {expired:?}");
    assert_ne!(expired.legal_hold.as_deref(), Some("ON"), "{expired:?}");
    for clip in &media[1..] {
        let fresh = server.lock_state(&bucket, &sha256(clip)).await;
        let expires_at = row(clip)["expiry"]["expires_at"].as_str().expect("a patrol clip has an expiry date").to_owned();
        assert_eq!(fresh.mode.as_deref(), Some("COMPLIANCE"), "locked by the ingest itself: {fresh:?}");
        assert_eq!(fresh.retain_until.as_deref().map(|until| &until[..10]), Some(&expires_at[..10]), "{fresh:?}");
        assert_ne!(fresh.legal_hold.as_deref(), Some("ON"), "{fresh:?}");
    }
    let fresh = server.lock_state(&bucket, &sha256(&media[2])).await;
    let version = fresh.version_id.expect("the locked bucket is versioned");
    assert_eq!(server.delete_version(&bucket, &sha256(&media[2]), &version).await, 403, "the bucket refuses to delete a locked blob");

    // A hold placed is a hold in the bucket at once; released, it comes off.
    let hold = json(&instance, &["hold", "place", "--media", &media[1], "--reason", "dispute", "--note", "当事人对处罚有异议", "--json"]);
    let held = server.lock_state(&bucket, &sha256(&media[1])).await;
    assert_eq!(held.legal_hold.as_deref(), Some("ON"), "the disputed clip is held by the bucket too: {held:?}");
    // Everything is as it should be: a pass by hand has nothing to send.
    let pass = json(&instance, &["retention", "lock", "--json"]);
    assert_eq!(pass["locked"]["records"], 3, "{pass}");
    assert_eq!(pass["locked"]["unchanged"], 3, "{pass}");
    assert!(pass["object_lock"].as_str().unwrap().contains("enabled"), "{pass}");
    run_ok(&instance, &["hold", "release", hold[0]["id"].as_str().unwrap(), "--note", "复议决定维持，争议已解决"]);
    let released = server.lock_state(&bucket, &sha256(&media[1])).await;
    assert_eq!(released.legal_hold.as_deref(), Some("OFF"), "{released:?}");
    assert_eq!(released.mode.as_deref(), Some("COMPLIANCE"), "the date stays: {released:?}");

    // What the bucket accepted is in the ledger, under each record.
    let actions = instance.actions_about(&format!("media:{}", media[1])).await;
    assert_eq!(actions.iter().filter(|action| *action == "blob.locked").count(), 3, "dated, held, released: {actions:?}");

    // --all states every lock again, for a bucket whose locks may have drifted.
    let again = run_ok(&instance, &["retention", "lock", "--all"]);
    assert!(again.contains("retain-until set on 2"), "{again}");

    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
    assert!(report.contains("object lock: enabled"), "{report}");
}

async fn a_restored_backup_verifies_identically(postgres: bool) {
    let instance = xiamen(postgres).await;
    let media = ingest_clips(&instance, "camera", &[SignedDuration::from_mins(30)]);
    case_with(&instance, &media[0]);
    let backup = instance.dir.path().join("backup-disk");
    backs_up_and_restores(&instance, postgres, backup.to_str().unwrap(), &[]).await;
    // A backup inside the instance would go down with it.
    let inside = instance.data().join("backup");
    assert!(refused(&instance, &["backup", inside.to_str().unwrap()]).contains("inside the instance's data directory"));
}

/// The same, kept in a bucket of an S3-compatible server (Garage in CI).
async fn a_backup_in_a_bucket_restores_identically(postgres: bool) {
    let Ok(endpoint) = std::env::var("LIUHEN_TEST_S3_ENDPOINT") else {
        assert!(std::env::var("LIUHEN_REQUIRE_S3").as_deref() != Ok("1"), "LIUHEN_REQUIRE_S3=1 but LIUHEN_TEST_S3_ENDPOINT is not set");
        eprintln!("skipped: no S3 test storage (run `scripts/garage.sh start` and source the env file it prints)");
        return;
    };
    let variable = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("LIUHEN_TEST_S3_ENDPOINT is set, so {name} must be too"));
    let instance = xiamen(postgres).await;
    let media = ingest_clips(&instance, "camera", &[SignedDuration::from_mins(30)]);
    case_with(&instance, &media[0]);
    let secret = instance.file("backup-secret", variable("LIUHEN_TEST_S3_SECRET_ACCESS_KEY").as_bytes());
    let unique = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let target = format!("s3://{}/backups/{}-{unique}", variable("LIUHEN_TEST_S3_BUCKET"), if postgres { "pg" } else { "sqlite" });
    let region = variable("LIUHEN_TEST_S3_REGION");
    let access_key_id = variable("LIUHEN_TEST_S3_ACCESS_KEY_ID");
    let s3 = [
        "--s3-endpoint",
        &endpoint,
        "--s3-region",
        &region,
        "--s3-access-key-id",
        &access_key_id,
        "--s3-secret-access-key-file",
        secret.to_str().unwrap(),
    ];
    // Without the server and keys, a bucket is refused with what to give.
    assert!(refused(&instance, &["backup", &target]).contains("--s3-endpoint"));
    backs_up_and_restores(&instance, postgres, &target, &s3).await;
}

/// Backs `instance` up to `target` twice (the second copies nothing new),
/// restores the backup into a new instance, and checks that the two
/// verify alike and share the backup's checkpoint.
async fn backs_up_and_restores(instance: &Instance, postgres: bool, target: &str, extra: &[&str]) {
    let with = |args: &[&str]| -> Vec<String> { args.iter().chain(extra).map(|arg| arg.to_string()).collect() };
    let run = |args: Vec<String>| json(instance, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let made = run(with(&["backup", target, "--json"]));
    assert_eq!(made["blobs"]["copied"], 1);
    assert!(made["ledger_problems"].as_array().unwrap().is_empty(), "{made}");
    // A second backup copies nothing new and checks what is there.
    let again = run(with(&["backup", target, "--json"]));
    assert_eq!((again["blobs"]["copied"].as_u64(), again["blobs"]["present"].as_u64()), (Some(0), Some(1)));

    let restored_dir = instance.dir.path().join("restored");
    let database = if postgres { Some(liuhen_store::postgres::testing::TestDatabase::create().await.unwrap()) } else { None };
    let mut args = with(&["restore", target, "--into", restored_dir.to_str().unwrap()]);
    if let Some(database) = &database {
        args.extend(["--database-url".to_owned(), database.url.clone()]);
    }
    let said = run_ok(instance, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(said.contains("the same as the backup's"), "{said}");
    let verify = |dir: &Path| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["verify", "--json", "--data"])
            .arg(dir)
            .env_remove("LIUHEN_DATABASE_URL")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let original = verify(&instance.data());
    let copy = verify(&restored_dir);
    assert_eq!(copy["blobs_checked"], original["blobs_checked"]);
    assert!(copy["problems"].as_array().unwrap().is_empty());
    // The restored ledger is the backup's: the same checkpoint root at the backup's size.
    let size = again["checkpoint_size"].as_u64().unwrap().to_string();
    let proof = |dir: &Path| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["ledger", "consistency", "--from", &size, "--data"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
        String::from_utf8_lossy(&output.stdout).lines().nth(1).unwrap().to_owned()
    };
    assert_eq!(proof(&restored_dir), proof(&instance.data()), "the old root line of the consistency proofs agrees");
    // A restore never writes over an instance.
    assert!(refused(instance, &args.iter().map(String::as_str).collect::<Vec<_>>()).contains("not empty"));
    drop(database);
}

mod party_copies;

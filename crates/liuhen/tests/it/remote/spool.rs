//! Remote ingest through the workstation's spool (`--spool`): the camera is
//! offloaded into the workstation's own copy while the server is down, the
//! copy is sent once the server is back (with the camera gone) and keeps
//! its offload time, a copy damaged in the meantime is never registered, a
//! camera file is cleared only if it still hashes to the copy the server
//! confirmed, a file the server refuses is a failure (not "waiting"), and a
//! server that goes away mid-upload and stays away costs one file's
//! retries, not every file's, while a second run waits for the first.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{clips, free_address, name, set_up_central, Server};
use crate::support::{random_bytes, text, Instance};

pub(super) fn sha256_of(path: &Path) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(path).unwrap()))
}

pub(super) fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(output)))
}

/// The files of every device report (the spool's included).
pub(super) fn files(summary: &Value) -> Vec<Value> {
    summary["devices"].as_array().unwrap().iter().flat_map(|device| device["files"].as_array().unwrap().clone()).collect()
}

/// The spool's entries (keys), checking that every copy has its manifest
/// and every manifest its copy.
pub(super) fn spooled(spool: &Path) -> Vec<String> {
    let mut manifests = Vec::new();
    let mut copies = Vec::new();
    for entry in std::fs::read_dir(spool).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(key) = name.strip_suffix(".json") {
            manifests.push(key.to_owned());
        } else if let Some(key) = name.strip_suffix(".bin") {
            copies.push(key.to_owned());
        } else {
            assert!(name == ".lock" || name == "damaged", "nothing else is left in the spool: {name}");
        }
    }
    manifests.sort();
    copies.sort();
    assert_eq!(manifests, copies, "each copy with its manifest");
    manifests
}

/// Rewrites a camera file with other bytes of the same size, keeping its
/// modification time: the same file to anything that looks only at names,
/// sizes and times.
fn replace_keeping_size_and_time(path: &Path, seed: u64) {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    let length = std::fs::metadata(path).unwrap().len() as usize;
    std::fs::write(path, random_bytes(length, seed)).unwrap();
    std::fs::File::options().write(true).open(path).unwrap().set_modified(modified).unwrap();
}

pub(super) fn register_rows(central: &Instance) -> Vec<Value> {
    let register = central.run(&["register", "offload", "--json"]);
    assert!(register.status.success(), "{}", text(&register));
    String::from_utf8(register.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[tokio::test]
async fn a_workstation_spools_while_the_server_is_down_and_sends_later() {
    let central = Instance::new(false).await;
    let token_file = set_up_central(&central);
    let address = free_address();
    let server_url = format!("http://{address}");

    let workstation = tempfile::tempdir().unwrap();
    let data = workstation.path().join("ws-data");
    let spool = data.join("spool");
    let camera = workstation.path().join("CAMERA");
    let start = Timestamp::now() - SignedDuration::from_hours(1);
    let clip_at = |number: i64, path: &Path| crate::support::video_clip(start + SignedDuration::from_mins(number), path);
    let clips = clips(&camera, start, 0..3);
    let hashes: Vec<String> = clips.iter().map(|clip| sha256_of(clip)).collect();
    let command = |dirs: &[&Path], extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_liuhen"));
        command
            .arg("ingest")
            .args(dirs)
            .args(["--server", &server_url, "--token-file", token_file.to_str().unwrap()])
            .args(extra)
            .env("LIUHEN_DATA", &data)
            .env_remove("LIUHEN_INGEST_TOKEN");
        command
    };
    let ingest = |dirs: &[&Path], extra: &[&str]| command(dirs, extra).output().unwrap();

    // Without a spool, a server that cannot be reached stops the run before
    // anything is read.
    let output = ingest(&[&camera], &["--clear-device"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("cannot reach the server"), "{}", text(&output));
    assert!(spooled(&spool).is_empty());

    // With one, the camera is offloaded into the workstation's own copy;
    // nothing is cleared, since the server has confirmed nothing.
    let output = ingest(&[&camera], &["--spool", "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(4), "kept on the workstation for now: {}", text(&output));
    let report = summary(&output);
    assert_eq!((report["totals"]["spooled"].as_u64(), report["totals"]["cleared"].as_u64()), (Some(3), Some(0)), "{report:#}");
    for (file, expected) in files(&report).iter().zip(&hashes) {
        assert_eq!((file["status"].as_str(), file["sha256"].as_str()), (Some("spooled"), Some(expected.as_str())), "{file:#}");
        assert!(file["message"].as_str().unwrap().contains("cannot reach the server"), "{file:#}");
    }
    assert!(clips.iter().all(|clip| clip.exists()), "the camera keeps its files");
    let keys = spooled(&spool);
    let mut copied: Vec<String> = keys.iter().map(|key| sha256_of(&spool.join(format!("{key}.bin")))).collect();
    copied.sort();
    let mut expected = hashes.clone();
    expected.sort();
    assert_eq!(copied, expected, "the spool holds the camera's bytes");

    // Asked again with no camera, while the server is still down: what the
    // spool holds is reported waiting, as the spool's, not as a device's.
    let output = ingest(&[], &["--json"]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let report = summary(&output);
    assert_eq!((report["devices"][0]["spool"].as_bool(), report["totals"]["devices"].as_u64()), (Some(true), Some(0)), "{report:#}");
    assert_eq!(report["totals"]["spooled"].as_u64(), Some(3), "{report:#}");

    // A spooled copy is damaged (same size) while it waits; the camera goes
    // back on duty; the server comes up. What the spool holds is sent
    // without the camera, and the damaged copy is set aside, not registered.
    let damaged = keys.iter().map(|key| spool.join(format!("{key}.bin"))).find(|copy| sha256_of(copy) == hashes[2]).unwrap();
    replace_keeping_size_and_time(&damaged, 1);
    let away = workstation.path().join("on-duty");
    std::fs::rename(&camera, &away).unwrap();
    let server_started = Timestamp::now();
    let mut server = Server::start(&central.data(), address);
    let output = ingest(&[], &["--json"]);
    assert_eq!(output.status.code(), Some(1), "the damaged copy is not stored: {}", text(&output));
    let report = summary(&output);
    assert_eq!((report["totals"]["stored"].as_u64(), report["totals"]["failed"].as_u64()), (Some(2), Some(1)), "{report:#}");
    let refused = files(&report).into_iter().find(|file| file["status"] == "failed").unwrap();
    assert!(refused["message"].as_str().unwrap().contains("set aside"), "{refused:#}");
    assert!(spooled(&spool).is_empty(), "confirmed copies are deleted, the damaged one moved aside");
    assert_eq!(std::fs::read_dir(spool.join("damaged")).unwrap().count(), 2, "the damaged copy and its manifest are kept");
    let rows = register_rows(&central);
    let mut registered: Vec<&str> = rows.iter().map(|row| row["sha256"].as_str().unwrap()).collect();
    registered.sort();
    let mut sent = vec![hashes[0].as_str(), hashes[1].as_str()];
    sent.sort();
    assert_eq!(registered, sent, "only intact copies were registered: {rows:#?}");
    for row in &rows {
        assert_eq!(row["officer_name"], "张伟", "{row:#}");
        // Offloaded when the spool took them, not when the server came back.
        let offloaded: Timestamp = row["ingested_at"].as_str().unwrap().parse().unwrap();
        assert!(offloaded < server_started, "{row:#}");
    }

    // The server goes away again while the camera, back, gains two files;
    // everything on it is spooled afresh.
    server.kill();
    std::fs::rename(&away, &camera).unwrap();
    let later = super::clips(&camera, start, 3..5);
    let output = ingest(&[&camera], &["--spool", "--json"]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert_eq!(spooled(&spool).len(), 5);
    // One file on the camera becomes another of the same name, size and
    // time after it was spooled (a camera reset and reformatted, say).
    replace_keeping_size_and_time(&later[1], 2);
    let replaced = sha256_of(&later[1]);

    // The server is back. A run without --spool still sends the spool's
    // copies of the camera's files (each once), and clears a camera file
    // only if it still hashes to the copy the server confirmed.
    let mut server = Server::start(&central.data(), address);
    let output = ingest(&[&camera], &["--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = summary(&output);
    let totals = &report["totals"];
    assert_eq!(
        (totals["files"].as_u64(), totals["stored"].as_u64(), totals["duplicate"].as_u64(), totals["failed"].as_u64()),
        (Some(5), Some(2), Some(2), Some(1)),
        "each file once, from the spool: {report:#}"
    );
    assert_eq!(totals["cleared"].as_u64(), Some(4), "{report:#}");
    let kept = files(&report).into_iter().find(|file| file["status"] == "failed").unwrap();
    assert!(kept["message"].as_str().unwrap().contains("left on the device"), "{kept:#}");
    assert!(later[1].exists() && sha256_of(&later[1]) == replaced, "the camera's own file stays");
    assert!(clips.iter().chain([&later[0]]).all(|clip| !clip.exists()), "the others are cleared");
    assert!(spooled(&spool).is_empty());

    // The next run offloads the camera's file as it is now (random bytes,
    // which do not play, so it stays on the camera).
    let output = ingest(&[&camera], &["--spool", "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let report = summary(&output);
    assert_eq!(report["totals"]["stored"].as_u64(), Some(1), "{report:#}");
    assert_eq!(files(&report)[0]["sha256"].as_str(), Some(replaced.as_str()), "{report:#}");
    assert!(spooled(&spool).is_empty());
    std::fs::remove_file(&later[1]).unwrap(); // stored; out of the way below
    assert_eq!(register_rows(&central).len(), 6, "three clips, two later ones, and the replaced one");
    let (ok, verify) = central.verify();
    assert!(ok, "{verify}");

    // No device folder and an empty spool: nothing to do, said so.
    let output = ingest(&[], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("nothing to send"), "{}", text(&output));

    // A camera the server does not know: the server refuses the file. That
    // is a failure to act on, not a wait; the spool keeps the copy, and
    // sends it once the camera is registered.
    let stranger = workstation.path().join("STRANGER");
    let stranger_file = stranger.join(format!("DSJ_DSJ-R-404_{}_20260101_080000.MP4", super::BADGE));
    clip_at(30, &stranger_file);
    let output = ingest(&[&stranger], &["--spool", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let refused = files(&summary(&output)).remove(0);
    assert_eq!(refused["status"], "failed", "{refused:#}");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("DSJ-R-404") && message.contains("keeps its copy in the spool"), "{message}");
    assert_eq!(spooled(&spool).len(), 1);
    let output = central.run(&["device", "add", "--serial", "DSJ-R-404", "--kind", "body-camera", "--officer", super::BADGE]);
    assert!(output.status.success(), "{}", text(&output));
    let output = ingest(&[], &["--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(summary(&output)["totals"]["stored"].as_u64(), Some(1));
    assert!(spooled(&spool).is_empty());

    // The server goes away in the middle of a long upload and stays away:
    // that file waits in the spool after its tries, and the next file
    // waits at once instead of trying as long again. A second run started
    // meanwhile waits for the first, then finds the server away too.
    let long = camera.join("DCIM").join(name(start + SignedDuration::from_mins(10)));
    std::fs::write(&long, random_bytes(200 << 20, 21)).unwrap();
    let next = camera.join("DCIM").join(name(start + SignedDuration::from_mins(11)));
    clip_at(11, &next);
    let uploading = command(&[&camera], &["--spool", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let uploads = central.data().join("uploads");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !std::fs::read_dir(&uploads).into_iter().flatten().flatten().any(|entry| {
        entry.path().extension().is_some_and(|extension| extension == "part")
            && entry.metadata().is_ok_and(|metadata| metadata.len() > (16 << 20))
    }) {
        assert!(Instant::now() < deadline, "the long recording did not start arriving");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = command(&[], &["--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    server.kill();
    let output = uploading.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let report = summary(&output);
    let waiting = files(&report);
    assert_eq!(waiting.len(), 2, "{report:#}");
    for file in &waiting {
        assert_eq!(file["status"], "spooled", "{file:#}");
        assert!(file["message"].as_str().unwrap().contains("did not answer after 8 tries"), "{file:#}");
    }
    // Only the long recording was tried; the next one was not sent at all.
    let tried: Vec<bool> = waiting.iter().map(|file| !file["message"].as_str().unwrap().contains("earlier in this run")).collect();
    assert_eq!(tried, [true, false], "{report:#}");
    assert!(long.exists() && next.exists());
    assert_eq!(spooled(&spool).len(), 2);
    let output = second.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("another `liuhen ingest --server` is running"), "{}", text(&output));
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert_eq!(summary(&output)["totals"]["spooled"].as_u64(), Some(2));

    // Back up: the next run sends both, resuming the long one.
    let _server = Server::start(&central.data(), address);
    let output = ingest(&[], &["--json"]);
    assert_eq!(output.status.code(), Some(3), "random bytes do not play, but are stored: {}", text(&output));
    let report = summary(&output);
    assert_eq!(report["totals"]["stored"].as_u64(), Some(2), "{report:#}");
    assert!(spooled(&spool).is_empty());
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".part"))
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "the cut-off upload was resumed, not begun again, and the damaged one dropped: {left:?}");
}

/// A copy that lost its bytes (a crash, a disk fault) is reported as a
/// failure and set aside, not left to fail every run.
#[tokio::test]
async fn an_incomplete_copy_is_reported_and_set_aside() {
    let place = tempfile::tempdir().unwrap();
    let data = place.path().join("ws-data");
    let spool = data.join("spool");
    let camera = place.path().join("CAMERA");
    let clip = camera.join(name(Timestamp::now() - SignedDuration::from_mins(30)));
    crate::support::video_clip(Timestamp::now() - SignedDuration::from_mins(30), &clip);
    let token = place.path().join("token");
    std::fs::write(&token, "a-token").unwrap();
    let server = format!("http://{}", free_address()); // nothing answers there
    let ingest = |dirs: &[&Path]| {
        Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .arg("ingest")
            .args(dirs)
            .args(["--server", &server, "--token-file", token.to_str().unwrap(), "--spool", "--json"])
            .env("LIUHEN_DATA", &data)
            .env_remove("LIUHEN_INGEST_TOKEN")
            .output()
            .unwrap()
    };
    let output = ingest(&[&camera]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let keys = spooled(&spool);
    std::fs::remove_file(spool.join(format!("{}.bin", keys[0]))).unwrap();

    let output = ingest(&[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = summary(&output);
    let error = report["devices"][0]["error"].as_str().unwrap_or_else(|| panic!("{report:#}"));
    assert!(error.contains("set aside") && error.contains("offload that camera again"), "{error}");
    assert!(spooled(&spool).is_empty());
    assert_eq!(std::fs::read_dir(spool.join("damaged")).unwrap().count(), 1, "the manifest is kept");
    assert!(clip.exists());

    // The camera, offloaded again, is copied afresh.
    let output = ingest(&[&camera]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert_eq!(spooled(&spool).len(), 1);
}

//! Remote ingest through the workstation's spool (`--spool`): the camera is
//! offloaded into the workstation's own copy while the server is down, the
//! copy is sent once the server is back (with the camera gone), a copy
//! damaged in the meantime is never registered, and a server that goes away
//! mid-upload and stays away costs one file's retries, not every file's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{free_address, name, set_up_central, Server};
use crate::support::{random_bytes, text, Instance, Tmpfs};

fn sha256_of(path: &Path) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(path).unwrap()))
}

fn summary(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(output)))
}

/// The files of every device report (the spool's included).
fn files(summary: &Value) -> Vec<Value> {
    summary["devices"].as_array().unwrap().iter().flat_map(|device| device["files"].as_array().unwrap().clone()).collect()
}

/// The spool's entries: the manifests at its top level.
fn spooled(spool: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(spool)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .collect();
    found.sort();
    found
}

/// The workstation's own disk fills while it copies: the camera keeps the
/// file and the spool keeps no half copy.
#[tokio::test]
async fn a_full_workstation_disk_leaves_the_file_on_the_camera() {
    let place = tempfile::tempdir().unwrap();
    let data = place.path().join("ws-data");
    let Some(_mounted) = Tmpfs::mount(&data, "8m") else {
        eprintln!("note: the full-disk test could not run here: mounting a tmpfs is not permitted");
        return;
    };
    let camera = place.path().join("CAMERA");
    let big = camera.join("DCIM").join(name(Timestamp::now() - SignedDuration::from_mins(30)));
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    std::fs::write(&big, random_bytes(16 << 20, 5)).unwrap();
    let token = place.path().join("token");
    std::fs::write(&token, "a-token").unwrap();
    // No server answers there: the camera is offloaded into the spool only.
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--server", &format!("http://{}", free_address())])
        .args(["--token-file", token.to_str().unwrap(), "--spool", "--clear-device", "--json"])
        .env("LIUHEN_DATA", &data)
        .env_remove("LIUHEN_INGEST_TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let file = files(&summary(&output)).remove(0);
    assert_eq!(file["status"], "failed", "{file:#}");
    let message = file["message"].as_str().unwrap();
    assert!(message.contains("disk full") && message.contains("stays on the device"), "{message}");
    assert!(big.exists(), "the file stays on the camera");
    let left: Vec<_> = std::fs::read_dir(data.join("spool")).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert!(left.is_empty(), "no half copy is left in the spool: {left:?}");
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
    let clips: Vec<PathBuf> = (0..3)
        .map(|number| {
            let at = start + SignedDuration::from_mins(number);
            let path = camera.join("DCIM").join(name(at));
            crate::support::video_clip(at, &path);
            path
        })
        .collect();
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
    assert!(!spool.exists());

    // With one, the camera is offloaded into the workstation's own copy;
    // nothing is cleared, since the server has confirmed nothing.
    let output = ingest(&[&camera], &["--spool", "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(4), "kept only on the workstation for now: {}", text(&output));
    let report = summary(&output);
    assert_eq!((report["totals"]["spooled"].as_u64(), report["totals"]["cleared"].as_u64()), (Some(3), Some(0)), "{report:#}");
    for (file, expected) in files(&report).iter().zip(&hashes) {
        assert_eq!((file["status"].as_str(), file["sha256"].as_str()), (Some("spooled"), Some(expected.as_str())), "{file:#}");
        assert!(file["message"].as_str().unwrap().contains("cannot reach the server"), "{file:#}");
    }
    assert!(clips.iter().all(|clip| clip.exists()), "the camera keeps its files");
    let entries = spooled(&spool);
    assert_eq!(entries.len(), 3);
    let copies: Vec<PathBuf> = entries.iter().map(|manifest| manifest.with_extension("bin")).collect();
    let mut copied: Vec<String> = copies.iter().map(|copy| sha256_of(copy)).collect();
    copied.sort();
    let mut expected = hashes.clone();
    expected.sort();
    assert_eq!(copied, expected, "the spool holds the camera's bytes");

    // A spooled copy is damaged (same size) while it waits; the camera goes
    // back on duty; the server comes up. What the spool holds is sent
    // without the camera, and the damaged copy is set aside, not registered.
    let damaged = copies.iter().find(|copy| sha256_of(copy) == hashes[2]).unwrap().clone();
    let mut bytes = std::fs::read(&damaged).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&damaged, &bytes).unwrap();
    let away = workstation.path().join("on-duty");
    std::fs::rename(&camera, &away).unwrap();
    let mut server = Server::start(&central.data(), address);
    let output = ingest(&[], &["--json"]);
    assert_eq!(output.status.code(), Some(1), "the damaged copy is not stored: {}", text(&output));
    let report = summary(&output);
    assert_eq!((report["totals"]["stored"].as_u64(), report["totals"]["failed"].as_u64()), (Some(2), Some(1)), "{report:#}");
    let refused = files(&report).into_iter().find(|file| file["status"] == "failed").unwrap();
    assert!(refused["message"].as_str().unwrap().contains("set aside"), "{refused:#}");
    assert!(spooled(&spool).is_empty(), "confirmed copies are deleted, the damaged one moved aside");
    assert!(spool.join("damaged").join(damaged.file_name().unwrap()).exists());
    let register = central.run(&["register", "offload", "--json"]);
    let rows: Vec<Value> = String::from_utf8(register.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let mut registered: Vec<&str> = rows.iter().map(|row| row["sha256"].as_str().unwrap()).collect();
    registered.sort();
    let mut sent = vec![hashes[0].as_str(), hashes[1].as_str()];
    sent.sort();
    assert_eq!(registered, sent, "only intact copies were registered: {rows:#?}");
    assert!(rows.iter().all(|row| row["officer_name"] == "张伟"), "{rows:#?}");

    // The camera comes back: the file whose copy was damaged is copied
    // afresh and stored, and every file is cleared once the server has it.
    std::fs::rename(&away, &camera).unwrap();
    let output = ingest(&[&camera], &["--spool", "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = summary(&output);
    let totals = &report["totals"];
    assert_eq!(
        (totals["stored"].as_u64(), totals["duplicate"].as_u64(), totals["cleared"].as_u64()),
        (Some(1), Some(2), Some(3)),
        "{report:#}"
    );
    assert!(clips.iter().all(|clip| !clip.exists()), "cleared once the server confirmed its copies");
    assert!(spooled(&spool).is_empty());
    let (ok, verify) = central.verify();
    assert!(ok, "{verify}");

    // No device folder and an empty spool: nothing to do, said so.
    let output = ingest(&[], &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("nothing to send"), "{}", text(&output));

    // The server goes away in the middle of a long upload and stays away:
    // that file waits in the spool after its tries, and the next file
    // waits at once instead of trying as long again.
    let long = camera.join("DCIM").join(name(start + SignedDuration::from_mins(10)));
    std::fs::write(&long, random_bytes(200 << 20, 21)).unwrap();
    let next = camera.join("DCIM").join(name(start + SignedDuration::from_mins(11)));
    crate::support::video_clip(start + SignedDuration::from_mins(11), &next);
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
    assert!(left.is_empty(), "the cut-off upload was resumed, not begun again: {left:?}");
}

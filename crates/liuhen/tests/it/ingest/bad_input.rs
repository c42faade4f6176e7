//! Bad things at the camera and the workstation, each leaving the file on
//! the camera and nothing half-registered: a run killed mid-copy, a camera
//! pulled out or failing mid-copy, an unreadable file, a full disk, and a
//! stored copy damaged before the camera is cleared.

use super::*;
use crate::support::{mount_required, Tmpfs};

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_ingest_is_finished_by_the_next_run() {
    killed_ingest(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_camera_pulled_out_mid_copy_leaves_nothing_half_registered() {
    pulled_camera(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_registers_nothing_and_keeps_the_file_on_the_camera() {
    full_disk().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_camera_that_stops_answering_mid_copy_keeps_its_file() {
    camera_failing_mid_copy(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_file_is_reported_and_stays_on_the_camera() {
    unreadable_file(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_camera_is_not_cleared_against_a_damaged_stored_copy() {
    damaged_copy(false).await;
}

async fn killed_ingest(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let fixtures = fixtures();
    let camera = instance.dir.path().join("CAMERA");
    let at = Timestamp::now() - SignedDuration::from_mins(50);
    // Files are taken in name order: one small file before the long one,
    // one after it.
    let small: Vec<PathBuf> = [0, 10]
        .into_iter()
        .map(|minutes| {
            let when = at + SignedDuration::from_mins(minutes);
            let path = camera.join(camera_name(when, false, "MP4"));
            fixtures.media("h264.mp4", when, &path);
            path
        })
        .collect();
    // A long recording, long enough to be killed in the middle of.
    let big = camera.join(camera_name(at + SignedDuration::from_mins(5), false, "MP4"));
    std::fs::write(&big, crate::support::random_bytes(400 << 20, 7)).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--clear-device", "--json"])
        .env("LIUHEN_DATA", instance.data())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let temporary = instance.data().join("vault/tmp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let writing = loop {
        let writing = walk_files(&temporary).iter().any(|path| path.metadata().is_ok_and(|metadata| metadata.len() > (8 << 20)));
        if writing || std::time::Instant::now() > deadline {
            break writing;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    child.kill().unwrap();
    assert!(writing, "the long recording was being copied when the process was killed");
    child.wait().unwrap();
    assert!(big.exists(), "nothing is cleared before it is stored");
    assert!(!small[0].exists(), "the file before the long one was stored and cleared before the kill");
    assert!(small[1].exists(), "the file after the long one was not reached");

    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--clear-device", "--json"]);
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(summary["totals"]["failed"], 0, "{summary:#}");
    let rows = json_lines(&instance.run(&["register", "offload", "--json"]));
    assert_eq!(rows.len(), 3, "each file registered exactly once: {rows:#?}");
    assert!(!small[1].exists(), "the file the killed run did not reach is stored and cleared now");
    assert_eq!(summary["totals"]["stored"], 2, "the long recording and the file after it: {summary:#}");
    let broken = file(&summary, &big.file_name().unwrap().to_string_lossy());
    assert_eq!(broken["playback"]["status"], "failed", "random bytes do not play: {broken:#}");
    assert!(big.exists());
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

/// Waits until the vault is writing a temporary copy of more than 8 MiB.
fn wait_for_copy(data: &Path) -> bool {
    wait_for_copy_of(data, 8 << 20)
}

/// Waits until the vault is writing a temporary copy of more than `bytes`.
fn wait_for_copy_of(data: &Path, bytes: u64) -> bool {
    let temporary = data.join("vault/tmp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let writing = walk_files(&temporary).iter().any(|path| path.metadata().is_ok_and(|metadata| metadata.len() > bytes));
        if writing || std::time::Instant::now() > deadline {
            return writing;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

async fn pulled_camera(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let camera = instance.dir.path().join("CAMERA");
    let long = camera.join(camera_name(Timestamp::now() - SignedDuration::from_mins(40), false, "MP4"));
    std::fs::create_dir_all(&camera).unwrap();
    let content = crate::support::random_bytes(400 << 20, 5);
    std::fs::write(&long, &content).unwrap();

    let child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--clear-device", "--json"])
        .env("LIUHEN_DATA", instance.data())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for_copy(&instance.data()), "the recording was being copied when the camera was pulled");
    // Unplugged: the camera's files are gone from under the workstation.
    std::fs::remove_dir_all(&camera).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = file(&summary, &long.file_name().unwrap().to_string_lossy());
    assert_eq!(failed["status"], "failed", "{failed:#}");
    assert!(failed["message"].as_str().unwrap().contains("stays on the device"), "{failed:#}");
    assert!(json_lines(&instance.run(&["register", "offload", "--json"])).is_empty(), "nothing half-registered");

    // Plugged in again: the next run stores it.
    std::fs::create_dir_all(&camera).unwrap();
    std::fs::write(&long, &content).unwrap();
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(summary["totals"]["stored"], 1, "{summary:#}");
    let (ok, report) = instance.verify();
    assert!(ok, "{report}");
}

/// A recording the workstation's user may not read (run without root's
/// power to read it anyway): it fails with what to check and stays on
/// the camera, while the readable one beside it is stored and cleared.
async fn unreadable_file(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let fixtures = fixtures();
    let camera = instance.dir.path().join("CAMERA");
    let at = Timestamp::now() - SignedDuration::from_mins(50);
    let readable = camera.join("DCIM").join(camera_name(at, false, "MP4"));
    fixtures.media("h264.mp4", at, &readable);
    let locked = camera.join("DCIM").join(camera_name(at + SignedDuration::from_mins(5), false, "MP4"));
    fixtures.media("h264.mp4", at + SignedDuration::from_mins(5), &locked);
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();

    let output = instance.run_unprivileged(&["ingest", camera.to_str().unwrap(), "--device", SERIAL, "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let failed = file(&summary, &locked.file_name().unwrap().to_string_lossy());
    assert_eq!(failed["status"], "failed", "{failed:#}");
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("cannot read") && message.contains("permission") && message.contains("stays on the device"), "{message}");
    assert!(locked.exists(), "the unreadable file stays on the camera");
    let stored = file(&summary, &readable.file_name().unwrap().to_string_lossy());
    assert_eq!((&stored["status"], &stored["cleared"]), (&Value::from("stored"), &Value::from(true)), "{stored:#}");
    assert!(!readable.exists());
    assert_eq!(json_lines(&instance.run(&["register", "offload", "--json"])).len(), 1, "only the readable file is registered");

    // Once its mode is put right, the next run stores it.
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let output = instance.run_unprivileged(&["ingest", camera.to_str().unwrap(), "--device", SERIAL, "--json"]);
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(summary["totals"]["stored"], 1, "{summary:#}");
    let (ok, report) = instance.verify();
    assert!(ok && !report.contains("NOTICE"), "{report}");
}

/// A camera's disk: a filesystem image mounted through a loop device, as
/// a USB camera mounts. Unmounted (and its loop device freed) on drop.
struct CameraDisk {
    image: PathBuf,
    at: PathBuf,
    mounted: bool,
}

impl CameraDisk {
    /// `None` when this machine does not let us make and mount one; with
    /// `LIUHEN_REQUIRE_MOUNT=1` (CI, which runs as root) that fails instead.
    fn new(image: &Path, at: &Path) -> Option<CameraDisk> {
        std::fs::File::create(image).unwrap().set_len(256 << 20).unwrap();
        // No journal: what a read cannot reach should only be the recording.
        let made = Command::new("mkfs.ext4").args(["-q", "-F", "-O", "^has_journal", "-b", "4096"]).arg(image).output();
        let made = made.as_ref().is_ok_and(|output| output.status.success());
        let mut disk = CameraDisk { image: image.to_owned(), at: at.to_owned(), mounted: false };
        if made {
            disk.mount();
        }
        assert!(
            disk.mounted || !mount_required(),
            "LIUHEN_REQUIRE_MOUNT=1, but a camera image could not be made (mkfs.ext4: {made}) or mounted"
        );
        disk.mounted.then_some(disk)
    }

    fn mount(&mut self) {
        std::fs::create_dir_all(&self.at).unwrap();
        let output = Command::new("mount").args(["-o", "loop,noatime"]).arg(&self.image).arg(&self.at).output();
        self.mounted = output.is_ok_and(|output| output.status.success());
    }

    /// Unplugged and plugged in again: nothing of it is left in the page
    /// cache, so the next reads go to the disk.
    fn unmount(&mut self) {
        if self.mounted {
            let status = Command::new("umount").arg(&self.at).status().unwrap();
            assert!(status.success(), "unmounting the camera image");
            self.mounted = false;
        }
    }
}

impl Drop for CameraDisk {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        }
    }
}

/// A camera whose disk stops answering in the middle of a copy (its cable
/// pulled): reads fail with an input/output error. The file stays on the
/// camera, nothing is stored or registered, the message says what to do,
/// and the run after it is plugged in again stores it.
async fn camera_failing_mid_copy(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let place = instance.dir.path();
    let image = place.join("camera.img");
    let camera = place.join("CAMERA");
    let Some(mut disk) = CameraDisk::new(&image, &camera) else {
        eprintln!("note: the failing-camera test could not run here: a loop device could not be mounted");
        return;
    };
    let recording = camera.join("DCIM").join(camera_name(Timestamp::now() - SignedDuration::from_mins(40), false, "MP4"));
    std::fs::create_dir_all(recording.parent().unwrap()).unwrap();
    std::fs::write(&recording, crate::support::random_bytes(200 << 20, 9)).unwrap();
    let sha256 = sha256_of(&recording);
    let name = recording.file_name().unwrap().to_string_lossy().into_owned();
    disk.unmount();
    let whole = place.join("camera-whole.img");
    std::fs::copy(&image, &whole).unwrap();
    disk.mount();
    assert!(disk.mounted);

    let child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--clear-device", "--json"])
        .env("LIUHEN_DATA", instance.data())
        .env_remove("LIUHEN_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for_copy_of(&instance.data(), 0), "the recording was being copied when the camera failed");
    // Everything past the first 16 MiB of the camera's disk stops
    // answering; its directory and the file's inode stay readable.
    std::fs::OpenOptions::new().write(true).open(&image).unwrap().set_len(16 << 20).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let failed = file(&summary, &name);
    assert_eq!(failed["status"], "failed", "{failed:#}");
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("cannot read") && message.contains("Input/output error"), "{message}");
    assert!(message.contains("plug it in again") && message.contains("stays on the device"), "{message}");
    assert!(!message.contains("permissions"), "an I/O error is not a question of permissions: {message}");
    assert!(json_lines(&instance.run(&["register", "offload", "--json"])).is_empty(), "nothing half-registered");
    assert!(walk_files(&instance.data().join("vault/blobs")).is_empty(), "nothing published");
    assert!(walk_files(&instance.data().join("vault/tmp")).is_empty(), "the partial copy is removed");

    // Plugged in again, whole: the next run stores it, byte for byte
    // (random bytes do not play, so it stays on the camera as well).
    disk.unmount();
    std::fs::rename(&whole, &image).unwrap();
    disk.mount();
    assert!(disk.mounted && recording.exists(), "the recording is still on the camera");
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let stored = file(&summary, &name);
    assert_eq!((stored["status"].as_str(), stored["sha256"].as_str()), (Some("stored"), Some(sha256.as_str())), "{stored:#}");
    assert_eq!(json_lines(&instance.run(&["register", "offload", "--json"])).len(), 1);
    let (ok, report) = instance.verify();
    assert!(ok && !report.contains("NOTICE"), "{report}");
}

async fn full_disk() {
    let place = tempfile::tempdir().unwrap();
    let data = place.path().join("data");
    let Some(_mounted) = Tmpfs::mount(&data, "48m") else {
        eprintln!("note: the full-disk test could not run here: mounting a tmpfs is not permitted");
        return;
    };
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liuhen")).args(args).env("LIUHEN_DATA", &data).env_remove("LIUHEN_DATABASE_URL").output().unwrap()
    };
    for args in [
        &["init", "--agency-name", "测试局", "--agency-code", "test"][..],
        &["unit", "add", "--name", "中队", "--code", "U1"],
        &["officer", "add", "--name", "张伟", "--badge", BADGE, "--certificate", "闽Z1", "--unit", "U1"],
        &["device", "add", "--serial", SERIAL, "--kind", "body-camera", "--officer", BADGE],
    ] {
        let output = run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
    }
    let camera = place.path().join("CAMERA");
    std::fs::create_dir_all(&camera).unwrap();
    let big = camera.join(camera_name(Timestamp::now() - SignedDuration::from_mins(30), false, "MP4"));
    std::fs::write(&big, crate::support::random_bytes(80 << 20, 3)).unwrap();

    let output = run(&["ingest", camera.to_str().unwrap(), "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let failed = file(&summary, &big.file_name().unwrap().to_string_lossy());
    let message = failed["message"].as_str().unwrap();
    assert!(message.contains("full") || message.contains("space"), "says the disk is full: {message}");
    assert!(big.exists(), "the file stays on the camera");
    assert!(walk_files(&data.join("vault/tmp")).is_empty(), "the partial copy is removed");
    assert!(walk_files(&data.join("vault/blobs")).is_empty(), "nothing is published");
    let register = run(&["register", "offload", "--json"]);
    assert!(register.status.success(), "{}", text(&register));
    assert!(register.stdout.is_empty(), "nothing registered");
}

async fn damaged_copy(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let camera = instance.dir.path().join("CAMERA");
    let at = Timestamp::now() - SignedDuration::from_mins(40);
    let recording = camera.join("DCIM").join(camera_name(at, false, "MP4"));
    fixtures().media("h264.mp4", at, &recording);
    let intact = camera.join("DCIM").join(camera_name(at + SignedDuration::from_mins(3), false, "MP4"));
    fixtures().media("h264.mp4", at + SignedDuration::from_mins(3), &intact);
    // Stored and registered, the camera not cleared.
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--device", SERIAL, "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(recording.exists() && intact.exists());
    let sha256 = sha256_of(&recording);

    // The vault's copy is damaged after it was stored; the camera still
    // holds the original, which ingest now recognises as known.
    instance.damage_blob(&sha256);
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--device", SERIAL, "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let report = file(&summary, &recording.file_name().unwrap().to_string_lossy());
    assert_eq!((&report["status"], &report["cleared"]), (&Value::from("failed"), &Value::from(false)), "{report:#}");
    assert!(report["message"].as_str().unwrap().contains("no longer hashes"), "{report:#}");
    assert!(recording.exists(), "the camera keeps the only intact copy");
    // The other file, known from the first run and intact in the vault, is cleared now.
    let known = file(&summary, &intact.file_name().unwrap().to_string_lossy());
    assert_eq!((&known["status"], &known["cleared"]), (&Value::from("duplicate"), &Value::from(true)), "{known:#}");
    assert!(!intact.exists());
    let (ok, verified) = instance.verify();
    assert!(!ok && verified.contains(&sha256), "{verified}");
}

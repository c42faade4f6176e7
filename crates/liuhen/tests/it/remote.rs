//! Remote ingest: a workstation with no instance of its own uploads camera
//! files to a real `liuhen serve` process over loopback (tus 1.0), survives
//! the server going away mid-upload, and is refused with a wrong token.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{random_bytes, text, Instance};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

mod full_disk;
mod spool;

on_both_backends!(a_workstation_uploads_to_the_server_and_survives_its_restart);

const CAMERA: &str = "DSJ-R-001";
const WORKSTATION: &str = "CJZ-01";
const BADGE: &str = "0203001";

struct Server {
    child: Child,
    address: SocketAddr,
    data: PathBuf,
}

impl Server {
    fn start(data: &Path, address: SocketAddr) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["serve", "--listen", &address.to_string()])
            .env("LIUHEN_DATA", data)
            .env("LIUHEN_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(address).is_err() {
            assert!(Instant::now() < deadline, "the server did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, address, data: data.to_owned() }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn name(at: Timestamp) -> String {
    let local = at.to_zoned(TimeZone::fixed(Offset::constant(8)));
    format!("DSJ_{CAMERA}_{BADGE}_{}.MP4", local.strftime("%Y%m%d_%H%M%S"))
}

/// Clips made on the camera for `numbers`: clip n starts n minutes after
/// `start`, and is named as the camera names its files.
fn clips(camera: &Path, start: Timestamp, numbers: std::ops::Range<i64>) -> Vec<PathBuf> {
    numbers
        .map(|number| {
            let at = start + SignedDuration::from_mins(number);
            let path = camera.join("DCIM").join(name(at));
            crate::support::video_clip(at, &path);
            path
        })
        .collect()
}

/// A central instance that knows the camera, its officer and the
/// workstation; returns the workstation's token file.
fn set_up_central(central: &Instance) -> PathBuf {
    for args in [
        &["unit", "add", "--name", "中山路中队", "--code", "350203-01"][..],
        &["officer", "add", "--name", "张伟", "--badge", BADGE, "--certificate", "闽Z0203001", "--unit", "350203-01"],
        &["device", "add", "--serial", CAMERA, "--kind", "body-camera", "--officer", BADGE],
        &["device", "add", "--serial", WORKSTATION, "--kind", "workstation"],
    ] {
        let output = central.run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
    }
    let issued = central.run(&["device", "token", "--serial", WORKSTATION]);
    assert!(issued.status.success(), "{}", text(&issued));
    central.file("token", String::from_utf8(issued.stdout).unwrap().trim().as_bytes())
}

async fn a_workstation_uploads_to_the_server_and_survives_its_restart(postgres: bool) {
    let central = Instance::new(postgres).await;
    let token_file = set_up_central(&central);
    let mut server = Server::start(&central.data(), free_address());

    // The workstation has no instance of its own: just a scratch folder.
    let workstation = tempfile::tempdir().unwrap();
    let camera = workstation.path().join("CAMERA");
    let start = Timestamp::now() - SignedDuration::from_hours(1);
    let good = clips(&camera, start, 0..2);
    // A name that is not UTF-8, in a folder whose name has a space.
    let odd = camera.join("DCIM/现场 录像").join(std::ffi::OsStr::from_bytes(b"clip-\xff\xfe.mp4"));
    crate::support::video_clip(start + SignedDuration::from_mins(3), &odd);
    let odd_sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&odd).unwrap()));
    let broken = camera.join("DCIM").join(name(start + SignedDuration::from_mins(5)));
    crate::support::video_clip(start + SignedDuration::from_mins(5), &broken);
    let whole = std::fs::read(&broken).unwrap();
    std::fs::write(&broken, &whole[..whole.len() / 2]).unwrap();

    // The same address before and after the server's restart below.
    let server_url = server.url();
    let ingest = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_liuhen"))
            .args(["ingest", camera.to_str().unwrap(), "--server", &server_url])
            .args(extra)
            .env("LIUHEN_DATA", workstation.path().join("ws-data"))
            .env_remove("LIUHEN_INGEST_TOKEN")
            .output()
            .unwrap()
    };

    // A wrong token is refused before anything is read or deleted.
    let wrong = central.file("wrong-token", b"not-a-token");
    let output = ingest(&["--token-file", wrong.to_str().unwrap(), "--clear-device"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("refused this workstation's token"), "{}", text(&output));
    assert!(good.iter().all(|path| path.exists()));

    let output = ingest(&["--token-file", token_file.to_str().unwrap(), "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(3), "the broken recording does not play: {}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(summary["totals"]["stored"], 4, "{summary:#}");
    let files = summary["devices"][0]["files"].as_array().unwrap();
    let odd_report = files.iter().find(|file| file["path"].as_str().is_some_and(|path| path.starts_with("DCIM/现场 录像/clip-")));
    let odd_report = odd_report.unwrap_or_else(|| panic!("{summary:#}"));
    assert_eq!(
        (odd_report["status"].as_str(), odd_report["sha256"].as_str()),
        (Some("stored"), Some(odd_sha256.as_str())),
        "{odd_report:#}"
    );
    assert!(!odd.exists(), "the file with a name that is not UTF-8 was confirmed and cleared");
    for file in summary["devices"][0]["files"].as_array().unwrap() {
        assert_eq!(file["officer"], "张伟", "{file:#}");
        let path = camera.join(file["path"].as_str().unwrap());
        let expected = if path == broken { "failed" } else { "ok" };
        assert_eq!(file["playback"]["status"], expected, "{file:#}");
    }
    assert!(good.iter().all(|path| !path.exists()), "confirmed files are cleared from the camera");
    assert!(broken.exists(), "a file that does not play stays on the camera");

    // Uploaded without clearing now; its stored copy is damaged below.
    let kept = camera.join("DCIM").join(name(start + SignedDuration::from_mins(10)));
    crate::support::video_clip(start + SignedDuration::from_mins(10), &kept);
    let kept_sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&kept).unwrap()));

    // A long recording; the server is killed while it arrives, and comes back.
    let long = camera.join("DCIM").join(name(start + SignedDuration::from_mins(20)));
    std::fs::write(&long, random_bytes(300 << 20, 11)).unwrap();
    let uploading = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--server", &server.url(), "--token-file", token_file.to_str().unwrap(), "--json"])
        .env("LIUHEN_DATA", workstation.path().join("ws-data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let uploads = server.data.join("uploads");
    let deadline = Instant::now() + Duration::from_secs(60);
    let arriving = loop {
        let partial = std::fs::read_dir(&uploads).into_iter().flatten().flatten().any(|entry| {
            entry.path().extension().is_some_and(|extension| extension == "part")
                && entry.metadata().is_ok_and(|metadata| metadata.len() > (16 << 20))
        });
        if partial || Instant::now() > deadline {
            break partial;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(arriving, "the long recording was arriving when the server was killed");
    server.kill();
    std::thread::sleep(Duration::from_millis(1500));
    let address = server.address;
    let _restarted = Server::start(&central.data(), address);
    let output = uploading.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "random bytes do not play, but the upload completes: {}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["totals"]["stored"], 2, "{summary:#}");
    assert_eq!(summary["totals"]["duplicate"], 1, "the broken recording is known already: {summary:#}");
    // The interrupted upload was resumed where the server had it, not
    // started over: no partial upload is left behind on the server.
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name())
        .filter(|name| name.to_string_lossy().ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "the upload that was cut off was finished, not abandoned: {left:?}");

    let register = central.run(&["register", "offload", "--json"]);
    assert!(register.status.success(), "{}", text(&register));
    let rows: Vec<Value> = String::from_utf8(register.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(rows.len(), 6, "{rows:#?}");
    assert!(rows.iter().all(|row| row["workstation"] == WORKSTATION && row["officer_name"] == "张伟"));
    let (ok, report) = central.verify();
    assert!(ok, "{report}");

    // The server's copy of a recording is damaged after it was stored: the
    // upload of the camera's file matches its registration, but the
    // workstation must not clear the camera against the damaged copy.
    central.damage_blob(&kept_sha256);
    let output = ingest(&["--token-file", token_file.to_str().unwrap(), "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let files = summary["devices"][0]["files"].as_array().unwrap();
    let kept_report = files.iter().find(|file| file["sha256"] == kept_sha256.as_str()).unwrap_or_else(|| panic!("{summary:#}"));
    assert_eq!((&kept_report["status"], &kept_report["cleared"]), (&Value::from("failed"), &Value::from(false)), "{kept_report:#}");
    assert!(kept_report["message"].as_str().unwrap().contains("stored copy"), "{kept_report:#}");
    assert!(kept.exists(), "the camera keeps the only intact copy");

    // The workstation itself is killed (kill -9) in the middle of an
    // upload: the next run resumes the same upload where the server has it.
    std::fs::remove_file(&long).unwrap(); // registered above; only the new file is long now
    let resumed = camera.join("DCIM").join(name(start + SignedDuration::from_mins(25)));
    std::fs::write(&resumed, random_bytes(200 << 20, 13)).unwrap();
    let mut killed = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--server", &server_url, "--token-file", token_file.to_str().unwrap()])
        .env("LIUHEN_DATA", workstation.path().join("ws-data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let upload_id = loop {
        let arriving = std::fs::read_dir(&uploads).into_iter().flatten().flatten().find(|entry| {
            entry.path().extension().is_some_and(|extension| extension == "part")
                && entry.metadata().is_ok_and(|metadata| metadata.len() > (32 << 20))
        });
        if let Some(entry) = arriving {
            break entry.path().file_stem().unwrap().to_string_lossy().into_owned();
        }
        assert!(Instant::now() < deadline, "the long recording did not start arriving");
        std::thread::sleep(Duration::from_millis(5));
    };
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert!(resumed.exists());
    let output = ingest(&["--token-file", token_file.to_str().unwrap(), "--json"]);
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let files = summary["devices"][0]["files"].as_array().unwrap();
    let report = files.iter().find(|file| file["path"].as_str().is_some_and(|path| resumed.ends_with(path))).unwrap();
    assert_eq!(report["status"], "stored", "{report:#}");
    assert!(uploads.join(format!("{upload_id}.done")).exists(), "the upload the killed run began is the one registered, not a new one");

    // A lost workstation's tokens are revoked: it can no longer upload.
    let output = central.run(&["device", "revoke-tokens", "--serial", WORKSTATION]);
    assert!(output.status.success() && text(&output).contains("revoked 1 token"), "{}", text(&output));
    let another = camera.join("DCIM").join(name(start + SignedDuration::from_mins(30)));
    crate::support::video_clip(start + SignedDuration::from_mins(30), &another);
    let output = Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .args(["ingest", camera.to_str().unwrap(), "--server", &format!("http://{address}"), "--token-file", token_file.to_str().unwrap()])
        .args(["--clear-device"])
        .env("LIUHEN_DATA", workstation.path().join("ws-data"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("revoked"), "{}", text(&output));
    assert!(another.exists(), "nothing is deleted with a refused token");
}

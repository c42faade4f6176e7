//! Remote ingest when a disk fills: the workstation's while it copies into
//! its spool (with the server away, and with the server taking the same
//! bytes), and the server's while the upload arrives. Each time the camera
//! keeps its file, nothing is half registered, and the next run, once
//! there is room, finishes the job.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jiff::{SignedDuration, Timestamp};

use super::spool::{files, register_rows, sha256_of, spooled, summary};
use super::{clips, free_address, name, set_up_central, Server};
use crate::support::{random_bytes, text, video_clip, Instance, Tmpfs};

/// `liuhen ingest CAMERA --server URL --token-file TOKEN EXTRA… --json`
/// for a workstation whose data directory is `data`.
fn ingest(data: &Path, camera: &Path, server: &str, token: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liuhen"))
        .arg("ingest")
        .arg(camera)
        .args(["--server", server, "--token-file", token.to_str().unwrap()])
        .args(extra)
        .arg("--json")
        .env("LIUHEN_DATA", data)
        .env_remove("LIUHEN_INGEST_TOKEN")
        .output()
        .unwrap()
}

/// What a spool directory holds besides its lock.
fn left_in(spool: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(spool).unwrap().flatten().map(|entry| entry.file_name()).filter(|name| name != ".lock").collect()
}

/// A workstation whose data directory is on a tmpfs of `disk` (as
/// `mount` says it), and a camera with a recording of `mib` MiB (random
/// bytes from `seed`).
struct Full {
    data: PathBuf,
    camera: PathBuf,
    big: PathBuf,
    _mounted: Tmpfs,
}

impl Full {
    /// `None` (with a note) where mounting is not permitted.
    fn set_up(place: &Path, disk: &str, mib: usize, seed: u64) -> Option<Full> {
        let data = place.join("ws-data");
        let Some(mounted) = Tmpfs::mount(&data, disk) else {
            eprintln!("note: the full-disk test could not run here: mounting a tmpfs is not permitted");
            return None;
        };
        let camera = place.join("CAMERA");
        let big = camera.join("DCIM").join(name(Timestamp::now() - SignedDuration::from_mins(30)));
        std::fs::create_dir_all(big.parent().unwrap()).unwrap();
        std::fs::write(&big, random_bytes(mib << 20, seed)).unwrap();
        Some(Full { data, camera, big, _mounted: mounted })
    }
}

/// The workstation's own disk fills while it copies: the camera keeps the
/// file and the spool keeps no half copy.
#[tokio::test]
async fn a_full_workstation_disk_leaves_the_file_on_the_camera() {
    let place = tempfile::tempdir().unwrap();
    let Some(Full { data, camera, big, _mounted }) = Full::set_up(place.path(), "8m", 16, 5) else { return };
    let token = place.path().join("token");
    std::fs::write(&token, "a-token").unwrap();
    // No server answers there: the camera is offloaded into the spool only.
    let server = format!("http://{}", free_address());
    let output = ingest(&data, &camera, &server, &token, &["--spool", "--clear-device"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let file = files(&summary(&output)).remove(0);
    assert_eq!(file["status"], "failed", "{file:#}");
    let message = file["message"].as_str().unwrap();
    assert!(message.contains("disk full") && message.contains("stays on the device"), "{message}");
    assert!(big.exists(), "the file stays on the camera");
    assert!(left_in(&data.join("spool")).is_empty(), "no half copy is left in the spool: {:?}", left_in(&data.join("spool")));
}

/// The workstation's disk fills while each chunk goes both to its copy and
/// to a server that is up: the file is a failure (not registered from the
/// bytes the server did get), the camera keeps it, and once there is room
/// the next run sends it.
#[tokio::test]
async fn a_workstation_disk_that_fills_while_sending_registers_nothing() {
    let central = Instance::new(false).await;
    let token = set_up_central(&central);
    let server = Server::start(&central.data(), free_address());
    let place = tempfile::tempdir().unwrap();
    // Room for the first 16 MiB chunk, not for the second: the server has
    // the first when the copy fails.
    let Some(Full { data, camera, big, _mounted: mounted }) = Full::set_up(place.path(), "24m", 40, 6) else { return };

    let output = ingest(&data, &camera, &server.url(), &token, &["--spool", "--clear-device"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let file = files(&summary(&output)).remove(0);
    assert_eq!(file["status"], "failed", "{file:#}");
    assert!(file["message"].as_str().unwrap().contains("disk full"), "{file:#}");
    assert!(big.exists(), "the file stays on the camera");
    assert!(left_in(&data.join("spool")).is_empty(), "no half copy is left in the spool: {:?}", left_in(&data.join("spool")));
    let arrived: Vec<u64> = std::fs::read_dir(central.data().join("uploads"))
        .unwrap()
        .flatten()
        .map(|entry| entry.metadata().unwrap().len())
        .filter(|&length| length >= 16 << 20)
        .collect();
    assert_eq!(arrived.len(), 1, "the server has the first chunk of the upload");
    assert!(register_rows(&central).is_empty(), "nothing is registered from part of a file");

    // Room is made: the next run sends the file (random bytes do not play,
    // so it is registered, flagged, and left on the camera).
    mounted.resize("64m");
    let output = ingest(&data, &camera, &server.url(), &token, &["--spool", "--clear-device"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let rows = register_rows(&central);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["sha256"].as_str(), Some(sha256_of(&big).as_str()), "{rows:#?}");
    assert!(spooled(&data.join("spool")).is_empty(), "the copy goes once the server has it");
}

/// A central server (knowing the camera and the workstation) whose folder
/// `folder`, under its data directory, is a disk of 16 KiB. Fields drop in
/// order: the server stops before its disk is unmounted.
struct FullServer {
    server: Server,
    disk: Tmpfs,
    token: PathBuf,
    central: Instance,
}

impl FullServer {
    /// `None` (with a note) where mounting is not permitted.
    async fn start(folder: &str) -> Option<FullServer> {
        let central = Instance::new(false).await;
        let token = set_up_central(&central);
        let Some(disk) = Tmpfs::mount(&central.data().join(folder), "16k") else {
            eprintln!("note: the full-disk test could not run here: mounting a tmpfs is not permitted");
            return None;
        };
        let server = Server::start(&central.data(), free_address());
        Some(FullServer { server, disk, token, central })
    }
}

/// The server's disk fills while an upload arrives: it answers 507, the
/// workstation does not wait through its retries for every file, says
/// what an administrator must do, and keeps every file (on the camera, and
/// with `--spool` in its own copy too). Once the server has room, the next
/// run resumes the upload the full disk cut short, and clears the camera.
#[tokio::test]
async fn a_full_server_disk_keeps_the_recordings_until_there_is_room() {
    // The uploads arrive on a disk of four pages: room for an upload's
    // state, not for a recording.
    let Some(FullServer { server, disk: uploads, token, central }) = FullServer::start("uploads").await else { return };
    let place = tempfile::tempdir().unwrap();
    let data = place.path().join("ws-data");
    let camera = place.path().join("CAMERA");
    let start = Timestamp::now() - SignedDuration::from_hours(1);
    let clips = clips(&camera, start, 0..2);
    for clip in &clips {
        assert!(std::fs::metadata(clip).unwrap().len() > 16 << 10, "a clip larger than the server's disk");
    }
    // Sent first, and larger than the server's writes (4 MiB): its first
    // 16 MiB chunk is still arriving when the disk is found full.
    let big = camera.join("DCIM").join(name(start - SignedDuration::from_mins(1)));
    std::fs::write(&big, random_bytes(20 << 20, 7)).unwrap();
    let hashes: Vec<String> = clips.iter().chain([&big]).map(|file| sha256_of(file)).collect();
    let full = |file: &serde_json::Value| {
        let message = file["message"].as_str().unwrap_or_default();
        message.contains("storage is full") && message.contains("administrator")
    };

    // Straight from the camera: a failure, every file left on it.
    let output = ingest(&data, &camera, &server.url(), &token, &["--clear-device"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = summary(&output);
    for file in files(&report) {
        assert_eq!(file["status"], "failed", "{file:#}");
        assert!(full(&file), "{file:#}");
    }
    // Retrying would not make room: the first 507 ends the tries.
    assert!(!text(&output).contains("did not answer after"), "{}", text(&output));
    assert!(clips.iter().all(|clip| clip.exists()), "the camera keeps its files");

    // Through the spool: the workstation keeps its copies and waits.
    let output = ingest(&data, &camera, &server.url(), &token, &["--spool", "--clear-device"]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let report = summary(&output);
    assert_eq!(report["totals"]["spooled"].as_u64(), Some(3), "{report:#}");
    for file in files(&report) {
        assert_eq!(file["status"], "spooled", "{file:#}");
        assert!(full(&file), "{file:#}");
    }
    assert_eq!(spooled(&data.join("spool")).len(), 3);
    assert!(clips.iter().all(|clip| clip.exists()), "the camera keeps its files");
    assert!(register_rows(&central).is_empty(), "nothing is half registered");

    // An administrator adds room: the next run finishes the job (the
    // random bytes are registered but do not play, so they stay on the
    // camera, and the run says so).
    uploads.resize("64m");
    let output = ingest(&data, &camera, &server.url(), &token, &["--spool", "--clear-device"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let report = summary(&output);
    assert_eq!((report["totals"]["stored"].as_u64(), report["totals"]["cleared"].as_u64()), (Some(3), Some(2)), "{report:#}");
    let mut registered: Vec<String> = register_rows(&central).iter().map(|row| row["sha256"].as_str().unwrap().to_owned()).collect();
    registered.sort();
    let mut expected = hashes.clone();
    expected.sort();
    assert_eq!(registered, expected, "the server holds the camera's bytes");
    assert!(clips.iter().all(|clip| !clip.exists()), "cleared once the server confirmed them");
    assert!(spooled(&data.join("spool")).is_empty());
}

/// The upload arrives whole, but the server's vault is full when it is
/// registered: 507 as well, nothing registered, the file left on the camera.
#[tokio::test]
async fn a_full_server_vault_refuses_the_registration_with_507() {
    // The vault makes its folders when the server starts, on a disk with no
    // room for a recording; the uploads arrive on another.
    let Some(FullServer { server, disk: _vault, token, central }) = FullServer::start("vault").await else { return };
    let place = tempfile::tempdir().unwrap();
    one_clip_refused_as_full(place.path(), &server, &token);
    assert!(register_rows(&central).is_empty(), "nothing is registered");
}

/// A camera (`place/CAMERA`) with one clip, offloaded straight to `server`
/// by a workstation whose data directory is `place/ws-data`, when the
/// server's storage is full: the file fails at once (no retries) and stays
/// on the camera. Returns the clip.
fn one_clip_refused_as_full(place: &Path, server: &Server, token: &Path) -> PathBuf {
    let camera = place.join("CAMERA");
    let at = Timestamp::now() - SignedDuration::from_mins(30);
    let clip = camera.join("DCIM").join(name(at));
    video_clip(at, &clip);
    let output = ingest(&place.join("ws-data"), &camera, &server.url(), token, &["--clear-device"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let file = files(&summary(&output)).remove(0);
    assert_eq!(file["status"], "failed", "{file:#}");
    let message = file["message"].as_str().unwrap();
    assert!(message.contains("storage is full") && !message.contains("did not answer after"), "{message}");
    assert!(clip.exists(), "the camera keeps its file");
    clip
}

/// The server's database is on a disk that fills: the upload arrives and
/// the vault takes it, but the registration cannot be written. 507,
/// nothing half registered, the camera keeps its file; once there is room,
/// the next run registers it and clears the camera.
#[tokio::test]
async fn a_full_server_database_refuses_the_registration_with_507() {
    let central = Instance::new(false).await;
    let token = set_up_central(&central);
    // The database moves onto a disk of its own, reached through a link
    // where the instance expects it (SQLite keeps its journal beside the
    // file the link points to).
    let db = central.data().join("db");
    let Some(_disk) = Tmpfs::mount(&db, "64m") else {
        eprintln!("note: the full-disk test could not run here: mounting a tmpfs is not permitted");
        return;
    };
    for name in ["liuhen.db", "liuhen.db-wal", "liuhen.db-shm"] {
        let file = central.data().join(name);
        if file.exists() {
            std::fs::copy(&file, db.join(name)).unwrap();
            std::fs::remove_file(&file).unwrap();
        }
    }
    std::os::unix::fs::symlink(db.join("liuhen.db"), central.data().join("liuhen.db")).unwrap();
    let server = Server::start(&central.data(), free_address());
    // Every page of the disk taken: the database cannot grow.
    let filler = db.join("filler");
    fill(&filler);

    let place = tempfile::tempdir().unwrap();
    let clip = one_clip_refused_as_full(place.path(), &server, &token);

    // Room is made: the next run registers the recording, once.
    std::fs::remove_file(&filler).unwrap();
    assert!(register_rows(&central).is_empty(), "nothing was half registered");
    let output = ingest(&place.path().join("ws-data"), &place.path().join("CAMERA"), &server.url(), &token, &["--clear-device"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let rows = register_rows(&central);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert!(!clip.exists(), "cleared once the server registered it");
    // The commit the full disk refused left no trace in the ledger: every
    // checkpoint the server signed since holds.
    let output = central.run(&["verify"]);
    assert!(output.status.success(), "{}", text(&output));
}

/// Writes to `path` until its disk is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let page = [0u8; 4096];
    loop {
        match file.write(&page) {
            Ok(0) => break,
            Ok(_) => {}
            Err(error) if error.raw_os_error() == Some(28) => break,
            Err(error) => panic!("filling {}: {error}", path.display()),
        }
    }
}

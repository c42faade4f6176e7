//! `liuhen ingest` end to end: camera folders filled with real media that
//! ffmpeg generates (H.264 and H.265 video with a burned-in clock, WAV and
//! MP3 audio, JPEG photos with EXIF), and the bad things cameras hold.

#[macro_use]
mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use support::{text, Instance};

on_both_backends!(a_camera_is_offloaded_checked_registered_and_cleared);

const SERIAL: &str = "DSJ-T-001";
const BADGE: &str = "0203001";
const CHINA: Offset = jiff::tz::offset(8);

/// Media generated once per test run, reused (remuxed with different
/// container times, so each copy has its own content) by every test.
struct Fixtures {
    dir: PathBuf,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
        // A clock burned into the picture, as body cameras do.
        let clock = format!("drawtext=fontfile={font}:text='%{{pts\\:gmtime\\:1795485901}}':x=8:y=8:fontsize=14:fontcolor=white:box=1:boxcolor=black");
        let video = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "2"];
        ffmpeg(&[&video[..], &["-vf", &clock, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]].concat(), &dir.join("h264.mp4"));
        ffmpeg(
            &[&video[..], &["-vf", &clock, "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]].concat(),
            &dir.join("h265.mp4"),
        );
        ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000", "-t", "2"], &dir.join("audio.wav"));
        ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100", "-t", "2", "-c:a", "libmp3lame"], &dir.join("audio.mp3"));
        ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"], &dir.join("plain.jpg"));
        Fixtures { dir }
    })
}

fn ffmpeg(args: &[&str], output: &Path) {
    let result = Command::new("ffmpeg").args(["-y", "-v", "error", "-nostdin"]).args(args).arg(output).output().expect("ffmpeg is installed");
    assert!(result.status.success(), "ffmpeg failed: {}", text(&result));
}

impl Fixtures {
    /// A copy of a video or audio fixture whose container says it was created at `created`.
    fn media(&self, fixture: &str, created: Timestamp, target: &Path) {
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let creation = format!("creation_time={}", created.strftime("%Y-%m-%dT%H:%M:%S%.6fZ"));
        let extension = Path::new(fixture).extension().unwrap().to_str().unwrap();
        let format = match extension {
            "mp4" => "mp4",
            "wav" => "wav",
            _ => "mp3",
        };
        ffmpeg(&["-i", self.dir.join(fixture).to_str().unwrap(), "-c", "copy", "-map", "0", "-metadata", &creation, "-f", format], target);
    }

    /// A JPEG whose EXIF says it was taken at `taken` (camera wall clock).
    fn photo(&self, taken: &str, target: &Path) {
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let jpeg = std::fs::read(self.dir.join("plain.jpg")).unwrap();
        let field = exif::Field { tag: exif::Tag::DateTimeOriginal, ifd_num: exif::In::PRIMARY, value: exif::Value::Ascii(vec![taken.as_bytes().to_vec()]) };
        let mut writer = exif::experimental::Writer::new();
        writer.push_field(&field);
        let mut tiff = std::io::Cursor::new(Vec::new());
        writer.write(&mut tiff, false).unwrap();
        let tiff = tiff.into_inner();
        let mut segment = vec![0xff, 0xe1];
        segment.extend_from_slice(&u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        let mut photo = jpeg[..2].to_vec();
        photo.extend(segment);
        photo.extend_from_slice(&jpeg[2..]);
        std::fs::write(target, photo).unwrap();
    }
}

/// `DSJ_<serial>_<badge>_<YYYYMMDD>_<HHMMSS>` at a camera-clock instant.
fn camera_name(at: Timestamp, important: bool, extension: &str) -> String {
    let local = at.to_zoned(TimeZone::fixed(CHINA));
    format!("DSJ_{SERIAL}_{BADGE}_{}{}.{extension}", local.strftime("%Y%m%d_%H%M%S"), if important { "_IMP" } else { "" })
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// An instance with the officer and the camera registered.
async fn prepared_instance(postgres: bool) -> Instance {
    let instance = Instance::new(postgres).await;
    for args in [
        &["unit", "add", "--name", "中山路中队", "--code", "350203-01"][..],
        &["officer", "add", "--name", "张伟", "--badge", BADGE, "--certificate", "闽Z0203001", "--unit", "350203-01"],
        &["device", "add", "--serial", SERIAL, "--kind", "body-camera", "--officer", BADGE],
    ] {
        let output = instance.run(args);
        assert!(output.status.success(), "{args:?}: {}", text(&output));
    }
    instance
}

fn file<'a>(summary: &'a Value, suffix: &str) -> &'a Value {
    summary["devices"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|file| file["path"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no file ending {suffix} in {summary:#}"))
}

fn time(value: &Value) -> Timestamp {
    value.as_str().unwrap_or_else(|| panic!("not a time: {value}")).parse().unwrap()
}

async fn a_camera_is_offloaded_checked_registered_and_cleared(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let fixtures = fixtures();
    let camera = instance.dir.path().join("CAMERA");
    let now = Timestamp::now();
    // The camera's clock runs 45 s ahead; it says so in its identity file.
    let camera_now = now + SignedDuration::from_secs(45);
    let t1 = camera_now - SignedDuration::from_hours(2);
    let t2 = t1 + SignedDuration::from_mins(3);
    let t_old = camera_now - SignedDuration::from_hours(72);
    std::fs::create_dir_all(&camera).unwrap();
    let video_dir = camera.join("DCIM/100DSJ");
    let h264 = video_dir.join(camera_name(t1, true, "MP4"));
    fixtures.media("h264.mp4", t1, &h264);
    // Its container clock says two minutes later than its name: flagged.
    let h265 = video_dir.join(camera_name(t2, false, "MP4"));
    fixtures.media("h265.mp4", t2 + SignedDuration::from_mins(2), &h265);
    let wav = camera.join("RECORD").join(camera_name(t1 + SignedDuration::from_mins(10), false, "WAV"));
    fixtures.media("audio.wav", t1, &wav);
    // Recorded three days ago: offloaded late.
    let mp3 = camera.join("RECORD").join(camera_name(t_old, false, "MP3"));
    fixtures.media("audio.mp3", t_old, &mp3);
    let photo = camera.join("PHOTO").join(camera_name(t1 + SignedDuration::from_mins(20), false, "JPG"));
    let exif_time = |at: Timestamp| at.to_zoned(TimeZone::fixed(CHINA)).strftime("%Y:%m:%d %H:%M:%S").to_string();
    fixtures.photo(&exif_time(t1 + SignedDuration::from_mins(20)), &photo);
    let spaced = camera.join("PHOTO/现场 照片 1.jpg");
    let taken = Timestamp::from_second((t1 + SignedDuration::from_mins(21)).as_second()).unwrap();
    fixtures.photo(&exif_time(taken), &spaced);
    // The battery died: the recording has no index at its end.
    let truncated = video_dir.join(camera_name(t1 + SignedDuration::from_mins(30), false, "MP4"));
    fixtures.media("h264.mp4", t1 + SignedDuration::from_secs(7), &truncated);
    let whole = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() * 2 / 3]).unwrap();
    let empty = video_dir.join(camera_name(t1 + SignedDuration::from_mins(40), false, "MP4"));
    std::fs::write(&empty, b"").unwrap();
    let log = camera.join("LOG/system.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, "power on\npower off\n").unwrap();
    let misnamed = video_dir.join("snapshot.jpg");
    fixtures.media("h264.mp4", t1 + SignedDuration::from_secs(11), &misnamed);
    let odd_name = video_dir.join(OsStr::from_bytes(b"clip-\xff\xfe.mp4"));
    fixtures.media("h264.mp4", t1 + SignedDuration::from_secs(13), &odd_name);
    std::os::unix::fs::symlink("/etc/hostname", camera.join("escape.mp4")).unwrap();

    let originals: Vec<(PathBuf, String)> =
        [&h264, &h265, &wav, &mp3, &photo, &spaced, &truncated, &misnamed, &odd_name].iter().map(|path| (path.to_path_buf(), sha256_of(path))).collect();

    // The camera writes its clock when it is connected, just before offloading.
    let clock = (Timestamp::now() + SignedDuration::from_secs(45)).to_zoned(TimeZone::fixed(CHINA));
    std::fs::write(
        camera.join("DEVICE.TXT"),
        format!("产品序号={SERIAL}\n警号={BADGE}\n姓名=张伟\n单位编号=350203-01\nclock={}\n", clock.strftime("%Y-%m-%d %H:%M:%S")),
    )
    .unwrap();
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(2), "a stored file that does not play makes exit status 2: {}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let device = &summary["devices"][0];
    assert_eq!(device["device"], SERIAL);
    assert_eq!(device["officer"], "张伟");
    let offset = device["clock_offset"]["millis"].as_i64().unwrap();
    assert!((43_500..=46_000).contains(&offset), "camera clock 45 s ahead, measured {offset} ms");
    assert_eq!(device["clock_offset"]["method"], "reported_clock");
    assert_eq!(device["clock_drift"], true);

    let totals = &summary["totals"];
    assert_eq!(totals["stored"], 9, "{summary:#}");
    assert_eq!(totals["failed"], 0, "{summary:#}");
    assert_eq!(totals["playback_failed"], 1);
    assert_eq!(totals["cleared"], 8);
    assert_eq!(totals["late"], 1);

    // Every stored file is byte for byte what the camera held.
    for (path, sha256) in &originals {
        let name = path.file_name().unwrap().to_string_lossy();
        let entry = file(&summary, &name);
        assert_eq!(entry["sha256"].as_str(), Some(sha256.as_str()), "{name}");
        assert_eq!(entry["status"], "stored", "{name}: {entry:#}");
        assert_eq!(sha256_of(&instance.blob_path(sha256)), *sha256);
    }

    let video = file(&summary, &h264.file_name().unwrap().to_string_lossy());
    assert_eq!(video["kind"], "video");
    assert_eq!(video["video_codec"], "h264");
    assert_eq!(video["audio_codec"], "aac");
    assert_eq!(video["important"], true);
    assert_eq!(video["playback"]["status"], "ok");
    assert_eq!(video["officer"], "张伟");
    assert_eq!(video["start_source"], "file_name");
    let duration = video["duration_ms"].as_u64().unwrap();
    assert!((1_900..=2_200).contains(&duration), "{duration} ms");
    let named = Timestamp::from_second(t1.as_second()).unwrap();
    assert_eq!(time(&video["raw_start"]), named);
    let corrected = time(&video["corrected_start"]);
    assert!(corrected.duration_since(named - SignedDuration::from_secs(45)).abs() <= SignedDuration::from_secs(1), "corrected by the camera's offset: {corrected}");
    assert!(video["drift"].as_array().unwrap().iter().any(|drift| drift["kind"] == "device_clock"));
    assert!(video["late_by_ms"].is_null());
    assert_eq!(video["cleared"], true);

    let hevc = file(&summary, &h265.file_name().unwrap().to_string_lossy());
    assert_eq!(hevc["video_codec"], "hevc");
    assert!(hevc["drift"].as_array().unwrap().iter().any(|drift| drift["kind"] == "file_times"), "{hevc:#}");
    assert_eq!(file(&summary, ".WAV")["kind"], "audio");
    assert_eq!(file(&summary, ".WAV")["audio_codec"], "pcm_s16le");
    let late = file(&summary, ".MP3");
    assert_eq!(late["audio_codec"], "mp3");
    assert!(late["late_by_ms"].as_i64().unwrap() > 47 * 3600 * 1000, "{late:#}");
    let picture = file(&summary, "现场 照片 1.jpg");
    assert_eq!(picture["kind"], "photo");
    assert_eq!(picture["start_source"], "exif");
    assert_eq!(time(&picture["raw_start"]), taken, "EXIF time, read in the cameras' zone");
    let wrong = file(&summary, "snapshot.jpg");
    assert_eq!(wrong["kind"], "video", "the content decides, not the extension");
    assert!(wrong["message"].as_str().unwrap().contains("录像"), "{wrong:#}");

    let broken = file(&summary, &truncated.file_name().unwrap().to_string_lossy());
    assert_eq!(broken["playback"]["status"], "failed", "{broken:#}");
    assert_eq!(broken["cleared"], false);
    assert!(truncated.exists(), "a file that does not play stays on the camera");
    for (path, _) in originals.iter().filter(|(path, _)| *path != truncated) {
        assert!(!path.exists(), "{} was stored, verified and cleared", path.display());
    }
    for (suffix, reason) in [("system.log", "not a recording"), ("escape.mp4", "outside the device"), (&*empty.file_name().unwrap().to_string_lossy(), "empty")] {
        let skipped = file(&summary, suffix);
        assert_eq!(skipped["status"], "skipped", "{skipped:#}");
        assert!(skipped["message"].as_str().unwrap().contains(reason), "{skipped:#}");
    }
    assert!(empty.exists() && log.exists(), "skipped files stay on the camera");
    assert_eq!(std::fs::read_to_string("/etc/hostname").ok(), std::fs::read_to_string("/etc/hostname").ok());

    // Running again finds the rest already registered and duplicates nothing.
    let again = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["totals"]["stored"], 0);
    assert_eq!(again["totals"]["duplicate"], 1);

    // The offload register lists each file once, with officer and certificate.
    let register = instance.run(&["register", "offload", "--json"]);
    assert!(register.status.success(), "{}", text(&register));
    let rows: Vec<Value> = String::from_utf8(register.stdout).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|row| row["officer_name"] == "张伟" && row["certificate_no"] == "闽Z0203001" && row["device"] == SERIAL));
    let csv = instance.run(&["register", "offload", "--csv"]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("\u{feff}序号,姓名,执法证号"), "{csv}");
    assert_eq!(csv.lines().count(), 10);

    let (ok, report) = instance.verify();
    assert!(ok, "everything ingested verifies: {report}");
}

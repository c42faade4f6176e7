//! `liuhen ingest` end to end: camera folders filled with real media that
//! ffmpeg generates (H.264 and H.265 video with a burned-in clock, WAV and
//! MP3 audio, JPEG photos with EXIF), and the bad things cameras hold.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{text, Instance};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

on_both_backends!(a_camera_is_offloaded_checked_registered_and_cleared, several_cameras_at_once_and_their_interruptions);

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_camera_is_refused_unless_registered() {
    unknown_camera(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deadline_drift_limit_and_activity_window_come_from_the_config() {
    configured_limits(false).await;
}

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
        let clock = format!(
            "drawtext=fontfile={font}:text='%{{pts\\:gmtime\\:1795485901}}':x=8:y=8:fontsize=14:fontcolor=white:box=1:boxcolor=black"
        );
        let video =
            ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "2"];
        ffmpeg(
            &[&video[..], &["-vf", &clock, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]]
                .concat(),
            &dir.join("h264.mp4"),
        );
        ffmpeg(
            &[
                &video[..],
                &[
                    "-vf",
                    &clock,
                    "-c:v",
                    "libx265",
                    "-preset",
                    "ultrafast",
                    "-x265-params",
                    "log-level=error",
                    "-tag:v",
                    "hvc1",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-shortest",
                ],
            ]
            .concat(),
            &dir.join("h265.mp4"),
        );
        ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000", "-t", "2"], &dir.join("audio.wav"));
        ffmpeg(&["-f", "lavfi", "-i", "sine=frequency=500:sample_rate=44100", "-t", "2", "-c:a", "libmp3lame"], &dir.join("audio.mp3"));
        ffmpeg(&["-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1"], &dir.join("plain.jpg"));
        Fixtures { dir }
    })
}

fn ffmpeg(args: &[&str], output: &Path) {
    let result =
        Command::new("ffmpeg").args(["-y", "-v", "error", "-nostdin"]).args(args).arg(output).output().expect("ffmpeg is installed");
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
        let field = exif::Field {
            tag: exif::Tag::DateTimeOriginal,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Ascii(vec![taken.as_bytes().to_vec()]),
        };
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
    named_for(SERIAL, at, important, extension)
}

fn named_for(serial: &str, at: Timestamp, important: bool, extension: &str) -> String {
    let local = at.to_zoned(TimeZone::fixed(CHINA));
    format!("DSJ_{serial}_{BADGE}_{}{}.{extension}", local.strftime("%Y%m%d_%H%M%S"), if important { "_IMP" } else { "" })
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// An instance with the officer and the camera registered.
async fn prepared_instance(postgres: bool) -> Instance {
    prepared_instance_with(postgres, &[]).await
}

/// [`prepared_instance`] initialised with extra `LIUHEN_` settings.
async fn prepared_instance_with(postgres: bool, settings: &[(&str, &str)]) -> Instance {
    let instance = Instance::new_with(postgres, settings).await;
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
    // Links out of the camera: to a recording beside it (absolute and
    // relative) and to a folder of recordings. None may be followed.
    let outside = instance.dir.path().join("NOT-THE-CAMERA");
    let outside_clip = outside.join("other.mp4");
    fixtures.media("h264.mp4", t1 + SignedDuration::from_secs(17), &outside_clip);
    let outside_sha256 = sha256_of(&outside_clip);
    std::os::unix::fs::symlink(&outside_clip, camera.join("escape.mp4")).unwrap();
    std::os::unix::fs::symlink("../../NOT-THE-CAMERA/other.mp4", camera.join("DCIM/relative-escape.mp4")).unwrap();
    std::os::unix::fs::symlink(&outside, camera.join("DCIM/escape-folder")).unwrap();

    let originals: Vec<(PathBuf, String)> = [&h264, &h265, &wav, &mp3, &photo, &spaced, &truncated, &misnamed, &odd_name]
        .iter()
        .map(|path| (path.to_path_buf(), sha256_of(path)))
        .collect();

    // The camera writes its clock when it is connected, just before offloading.
    let clock = (Timestamp::now() + SignedDuration::from_secs(45)).to_zoned(TimeZone::fixed(CHINA));
    std::fs::write(
        camera.join("DEVICE.TXT"),
        format!("产品序号={SERIAL}\n警号={BADGE}\n姓名=张伟\n单位编号=350203-01\nclock={}\n", clock.strftime("%Y-%m-%d %H:%M:%S")),
    )
    .unwrap();
    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--clear-device", "--json"]);
    assert_eq!(output.status.code(), Some(3), "a stored file that does not play makes exit status 3: {}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    let device = &summary["devices"][0];
    assert_eq!(device["device"], SERIAL);
    assert_eq!(device["officer"], "张伟");
    let offset = device["clock_offset"]["millis"].as_i64().unwrap();
    // The clock is written to the second, and the ingest starts a moment
    // later (seconds later on a loaded two-core machine): a little under 45 s.
    assert!((40_000..=46_000).contains(&offset), "camera clock 45 s ahead, measured {offset} ms");
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
    assert_eq!(corrected, named - SignedDuration::from_millis(offset), "put on the workstation's clock by the camera's offset");
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
    for (suffix, reason) in [
        ("system.log", "not a recording"),
        ("DCIM/relative-escape.mp4", "outside the device"),
        ("DCIM/escape-folder", "outside the device"),
        (&*empty.file_name().unwrap().to_string_lossy(), "empty"),
    ] {
        let skipped = file(&summary, suffix);
        assert_eq!(skipped["status"], "skipped", "{skipped:#}");
        assert!(skipped["message"].as_str().unwrap().contains(reason), "{skipped:#}");
    }
    let files = summary["devices"][0]["files"].as_array().unwrap();
    let escape = files.iter().find(|file| file["path"] == "escape.mp4").unwrap_or_else(|| panic!("{summary:#}"));
    assert!(escape["status"] == "skipped" && escape["message"].as_str().unwrap().contains("outside the device"), "{escape:#}");
    assert!(empty.exists() && log.exists(), "skipped files stay on the camera");
    // Nothing was read through the links: the recording outside was not
    // stored, the links are still on the camera, and what they point at is untouched.
    assert!(!instance.blob_path(&outside_sha256).exists(), "the recording outside the camera was not stored");
    let stored: Vec<&str> = summary["devices"][0]["files"].as_array().unwrap().iter().filter_map(|file| file["sha256"].as_str()).collect();
    assert!(!stored.contains(&outside_sha256.as_str()), "{stored:?}");
    for link in ["escape.mp4", "DCIM/relative-escape.mp4", "DCIM/escape-folder"] {
        assert!(camera.join(link).symlink_metadata().unwrap().file_type().is_symlink(), "{link} stays on the camera");
    }
    assert_eq!(sha256_of(&outside_clip), outside_sha256);
    // Each clearing is in the ledger, after the registration it follows.
    let cleared = file(&summary, &h264.file_name().unwrap().to_string_lossy());
    let registered_at = cleared["ledger_index"].as_u64().unwrap_or_else(|| panic!("{cleared:#}"));
    let clear_index = cleared["clear_ledger_index"].as_u64().unwrap_or_else(|| panic!("{cleared:#}"));
    assert!(clear_index > registered_at, "{cleared:#}");
    let entry = instance.run(&["ledger", "entry", "--index", &clear_index.to_string()]);
    let entry = String::from_utf8(entry.stdout).unwrap();
    assert!(entry.contains("recording.cleared_from_device") && entry.contains(cleared["media_id"].as_str().unwrap()), "{entry}");

    // Running again finds the rest already registered and duplicates nothing.
    let again = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
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

/// The offload deadline, the drift limit and the "same activity" window
/// set in the config change what is flagged: each set here so that the
/// defaults (24 h, 30 s, 10 min) would give the opposite answer.
async fn configured_limits(postgres: bool) {
    let settings = [
        ("LIUHEN_INGEST__OFFLOAD_DEADLINE_HOURS", "2"),
        ("LIUHEN_INGEST__CLOCK_DRIFT_SECONDS", "600"),
        ("LIUHEN_INGEST__SAME_ACTIVITY_MINUTES", "120"),
    ];
    let instance = prepared_instance_with(postgres, &settings).await;
    let camera = instance.dir.path().join("CAMERA");
    let now = Timestamp::now();
    // Ended three hours ago: late under a 2-hour deadline. The next, 90
    // minutes later: not late, and within one 2-hour activity.
    let early = camera.join(camera_name(now - SignedDuration::from_hours(3), false, "MP4"));
    fixtures().media("h264.mp4", now - SignedDuration::from_hours(3), &early);
    let later = camera.join(camera_name(now - SignedDuration::from_mins(90), false, "MP4"));
    fixtures().media("h264.mp4", now - SignedDuration::from_mins(90), &later);
    // The camera's clock two minutes behind: within a 10-minute limit.
    let clock = (now - SignedDuration::from_mins(2)).to_zoned(TimeZone::fixed(CHINA));
    std::fs::write(camera.join("DEVICE.TXT"), format!("产品序号={SERIAL}\nclock={}\n", clock.strftime("%Y-%m-%d %H:%M:%S"))).unwrap();

    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| panic!("{error}: {}", text(&output)));
    assert_eq!(summary["totals"]["late"], 1, "{summary:#}");
    assert!(file(&summary, &early.file_name().unwrap().to_string_lossy())["late_by_ms"].as_i64().is_some_and(|ms| ms > 0));
    assert!(file(&summary, &later.file_name().unwrap().to_string_lossy())["late_by_ms"].is_null());
    let device = &summary["devices"][0];
    assert!(device["clock_offset"]["millis"].as_i64().is_some_and(|millis| millis < -100_000), "{device:#}");
    assert_eq!(device["clock_drift"], false, "{device:#}");
    assert_eq!(summary["totals"]["drifted"], 0, "{summary:#}");
    let gaps = json_lines(&instance.run(&["interruptions", "--json"]));
    assert_eq!(gaps.len(), 1, "one activity with one gap of about 90 minutes: {gaps:#?}");
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    assert!(output.status.success(), "{}", text(output));
    String::from_utf8(output.stdout.clone()).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

async fn several_cameras_at_once_and_their_interruptions(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let fixtures = fixtures();
    let start = Timestamp::now() - SignedDuration::from_hours(1);
    let mut cameras = Vec::new();
    for (number, serial) in ["DSJ-T-001", "DSJ-T-002", "DSJ-T-003"].into_iter().enumerate() {
        if serial != SERIAL {
            let output = instance.run(&["device", "add", "--serial", serial, "--kind", "body-camera", "--officer", BADGE]);
            assert!(output.status.success(), "{}", text(&output));
        }
        let camera = instance.dir.path().join(format!("CAM{number}"));
        let first = start + SignedDuration::from_secs(100 * number as i64);
        // Two 2-second clips a minute apart: one activity, one interruption.
        fixtures.media("h264.mp4", first, &camera.join(named_for(serial, first, false, "MP4")));
        let second = first + SignedDuration::from_secs(60);
        fixtures.media("h264.mp4", second, &camera.join(named_for(serial, second, false, "MP4")));
        // Far apart: a new activity, no interruption.
        let later = first + SignedDuration::from_hours(3);
        fixtures.media(
            "h264.mp4",
            later - SignedDuration::from_hours(5),
            &camera.join(named_for(serial, later - SignedDuration::from_hours(5), false, "MP4")),
        );
        cameras.push(camera);
    }
    let mut args = vec!["ingest", "--jobs", "2", "--json"];
    args.extend(cameras.iter().map(|camera| camera.to_str().unwrap()));
    let output = instance.run(&args);
    assert!(output.status.success(), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["totals"]["stored"], 9, "{summary:#}");
    let serials: std::collections::BTreeSet<_> =
        summary["devices"].as_array().unwrap().iter().map(|device| device["device"].as_str().unwrap().to_owned()).collect();
    assert_eq!(serials.len(), 3);
    let offloaded = json_lines(&instance.run(&["register", "offload", "--json"]));
    assert_eq!(offloaded.len(), 9);
    let most = most_devices_at_once(&offloaded);
    assert!(most <= 2, "--jobs 2 ingests at most two cameras at once, not {most}");

    let gaps = json_lines(&instance.run(&["interruptions", "--json"]));
    assert_eq!(gaps.len(), 3, "{gaps:#?}");
    assert!(gaps.iter().all(|gap| gap["explanation"].is_null()));
    let gap = gaps.iter().find(|gap| gap["device"] == "DSJ-T-002").unwrap();
    let gap_ms = gap["gap_ms"].as_i64().unwrap();
    assert!((57_000..=59_000).contains(&gap_ms), "{gap_ms}");
    let (before, after) = (gap["before"].as_str().unwrap(), gap["after"].as_str().unwrap());

    let explain =
        |text: &str| instance.run(&["interruptions", "explain", "--before", before, "--after", after, "--officer", BADGE, "--text", text]);
    let output = explain("电池耗尽，更换电池后继续录像");
    assert!(output.status.success(), "{}", text(&output));
    let output = explain("另一种说法");
    assert!(!output.status.success());
    assert!(text(&output).contains("already explained"), "{}", text(&output));
    let output =
        instance.run(&["interruptions", "explain", "--before", after, "--after", before, "--officer", BADGE, "--text", "不存在的中断"]);
    assert!(text(&output).contains("no interruption"), "{}", text(&output));

    let explained = json_lines(&instance.run(&["interruptions", "--device", "DSJ-T-002", "--json"]));
    assert_eq!(explained.len(), 1);
    assert_eq!(explained[0]["explanation"]["explanation"], "电池耗尽，更换电池后继续录像");
    assert_eq!(json_lines(&instance.run(&["interruptions", "--unexplained", "--json"])).len(), 2);
    let listing = text(&instance.run(&["interruptions"]));
    assert!(listing.contains("3 处, 2 处待说明"), "{listing}");
}

/// The most devices whose files were being registered at the same time,
/// from the offload register's rows: a device is busy from its first
/// file's ingest time to its last.
fn most_devices_at_once(rows: &[Value]) -> usize {
    let mut spans: std::collections::BTreeMap<&str, (Timestamp, Timestamp)> = std::collections::BTreeMap::new();
    for row in rows {
        let at: Timestamp = row["ingested_at"].as_str().unwrap().parse().unwrap();
        let span = spans.entry(row["device"].as_str().unwrap()).or_insert((at, at));
        *span = (span.0.min(at), span.1.max(at));
    }
    spans.values().map(|&(start, _)| spans.values().filter(|&&(from, to)| from <= start && start <= to).count()).max().unwrap_or(0)
}

async fn unknown_camera(postgres: bool) {
    let instance = prepared_instance(postgres).await;
    let fixtures = fixtures();
    let camera = instance.dir.path().join("NEWCAM");
    let at = Timestamp::now() - SignedDuration::from_mins(30);
    let clip = camera.join(named_for("DSJ-NEW-9", at, false, "MP4"));
    fixtures.media("h264.mp4", at, &clip);
    let blobs = || walk_files(&instance.data().join("vault/blobs")).len();

    let output = instance.run(&["ingest", camera.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("DSJ-NEW-9 is not registered"), "{}", text(&output));
    assert!(clip.exists());
    assert_eq!(blobs(), 0, "nothing of an unknown device is copied");

    let output = instance.run(&["ingest", instance.dir.path().join("missing").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output).contains("cannot open the device folder"), "{}", text(&output));

    let anonymous = instance.dir.path().join("ANON");
    let anonymous_at = at + SignedDuration::from_secs(7);
    fixtures.media("h264.mp4", anonymous_at, &anonymous.join("VID_0001.MP4"));
    let output = instance.run(&["ingest", anonymous.to_str().unwrap()]);
    assert!(text(&output).contains("--device SERIAL"), "{}", text(&output));

    let output = instance.run(&["ingest", camera.to_str().unwrap(), "--register-device", "--clear-device"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!clip.exists());
    let devices = text(&instance.run(&["device", "list"]));
    assert!(devices.contains("DSJ-NEW-9"), "{devices}");
    let rows = json_lines(&instance.run(&["register", "offload", "--json"]));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["officer_name"], "张伟", "the officer is found by the badge number in the file name");

    // A file without the naming convention, for a device named on the command line.
    let output = instance.run(&["ingest", anonymous.to_str().unwrap(), "--device", SERIAL, "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(file(&summary, "VID_0001.MP4")["start_source"], "container");
    assert_eq!(
        time(&file(&summary, "VID_0001.MP4")["raw_start"]),
        Timestamp::from_second(anonymous_at.as_second()).unwrap(),
        "MP4 keeps whole seconds"
    );

    // A camera lent to an officer nobody registered: the file is recorded to
    // the camera's assigned officer, and the report says so.
    let lent = instance.dir.path().join("LENT");
    let lent_at = at + SignedDuration::from_mins(10);
    let local = lent_at.to_zoned(TimeZone::fixed(CHINA));
    fixtures.media("h264.mp4", lent_at, &lent.join(format!("DSJ_{SERIAL}_0209999_{}.MP4", local.strftime("%Y%m%d_%H%M%S"))));
    let output = instance.run(&["ingest", lent.to_str().unwrap(), "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let lent_file = file(&summary, ".MP4");
    assert_eq!(lent_file["officer"], "张伟", "{lent_file:#}");
    assert!(
        lent_file["message"].as_str().is_some_and(|message| message.contains("0209999") && message.contains("not registered")),
        "{lent_file:#}"
    );
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return found };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk_files(&path));
        } else {
            found.push(path);
        }
    }
    found
}

mod bad_input;

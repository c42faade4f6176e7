//! The demo's footage: short clips made with ffmpeg, named as each camera
//! names its files, in folders laid out like cameras, and offloaded with
//! `liuhen ingest` like any other camera.
//!
//! The cameras are offloaded now, so the times in the file names decide
//! what compliance sees: a clip that ended more than 24 h ago is a late
//! offload (厦门 五), one more than 48 h ago that no case claims is an
//! unlinked record, and 刘洋's camera runs two minutes fast (厦门 三).
//! Clips of one camera are far enough apart to be separate activities,
//! except 张伟's last two: one activity with a gap, an interruption to
//! explain. Without ffmpeg the demo has no footage and says so.

use std::collections::{HashMap, VecDeque};

use anyhow::Context;
use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::Device;
use liuhen_core::id::MediaId;

use crate::instance::Instance;

/// 张伟's clip linked to the first demo case.
pub(super) const FIRST_CASE_CLIP: &str = "zw-inspection";
/// 刘洋's patrol clip that is labelled rather than linked.
pub(super) const PATROL_CLIP: &str = "ly-patrol";
/// Late offloads whose explanation the leader accepted.
pub(super) const EXPLAINED_LATE: &[(&str, &str)] = &[
    ("ln-late", "执法记录仪随车参加区联合整治行动，次日返回后即导出存储"),
    ("ly-old-1", "连续外出参加环岛路专项整治，执法记录仪未能按时送回采集站"),
    ("ly-old-2", "连续外出参加环岛路专项整治，执法记录仪未能按时送回采集站"),
];

/// One camera's folder: whose it is, how its clock runs, what it holds.
pub(super) struct Camera<'a> {
    device: &'a Device,
    /// The officer number in its file names.
    badge: &'static str,
    /// How far its clock runs ahead; a camera that is off says so in its
    /// identity file, where the workstation reads its clock.
    clock_ahead: SignedDuration,
    /// `WIDTHxHEIGHT`, frames per second and seconds of each clip.
    size: &'static str,
    rate: u32,
    seconds: u32,
    clips: Vec<Clip>,
}

/// A clip: the name the demo knows it by, and how long ago it started.
struct Clip {
    key: String,
    minutes_ago: i64,
}

fn clip(key: impl Into<String>, minutes_ago: i64) -> Clip {
    Clip { key: key.into(), minutes_ago }
}

/// The three cameras' folders, for the devices DSJ-A8-0001 (张伟),
/// DSJ-A8-0002 (李娜) and DSJ-A8-0003 (刘洋), in that order.
pub(super) fn cameras(devices: &[Device]) -> Vec<Camera<'_>> {
    const DAY: i64 = 24 * 60;
    let mut cameras = Vec::new();
    if let Some(device) = devices.first() {
        // Three days late (never linked); one linked to the first case; two
        // five minutes apart: one activity with a gap.
        let clips = vec![clip("zw-late", 3 * DAY + 30), clip(FIRST_CASE_CLIP, 180), clip("zw-before-gap", 65), clip("zw-after-gap", 60)];
        cameras.push(Camera { device, badge: "35020011", clock_ahead: SignedDuration::ZERO, size: "640x360", rate: 25, seconds: 3, clips });
    }
    if let Some(device) = devices.get(1) {
        // One offloaded a day late; the rest over the last day, 90 min apart.
        let mut clips = vec![clip("ln-late", 30 * 60)];
        clips.extend(squad_one_keys().skip(1).zip(0..).map(|(key, index)| clip(key, 23 * 60 - 90 * index)));
        cameras.push(Camera { device, badge: "35020012", clock_ahead: SignedDuration::ZERO, size: "160x120", rate: 10, seconds: 2, clips });
    }
    if let Some(device) = devices.get(2) {
        // Two patrols days ago, offloaded late and never linked.
        let mut clips = vec![clip("ly-old-1", 4 * DAY + 2 * 60), clip("ly-old-2", 3 * DAY + 5 * 60)];
        clips.extend(squad_two_keys().zip(0..).map(|(key, index)| clip(key, 1400 - 65 * index)));
        clips.extend([clip(PATROL_CLIP, 60), clip("ly-recent", 25)]);
        cameras.push(Camera {
            device,
            badge: "35020021",
            clock_ahead: SignedDuration::from_mins(2),
            size: "160x120",
            rate: 10,
            seconds: 2,
            clips,
        });
    }
    cameras
}

/// The clips squad one (李娜's camera) links to its cases, in that order.
pub(super) fn squad_one_keys() -> impl Iterator<Item = String> {
    std::iter::once("ln-late".to_owned()).chain((1..=15).map(|n| format!("ln-{n:02}")))
}

/// The clips squad two (刘洋's camera) links to its cases, in that order.
pub(super) fn squad_two_keys() -> impl Iterator<Item = String> {
    (1..=20).map(|n| format!("ly-{n:02}"))
}

/// The registered recordings, by the demo's names for them.
#[derive(Debug, Default)]
pub(super) struct Footage {
    media: HashMap<String, MediaId>,
}

impl Footage {
    pub(super) fn get(&self, key: &str) -> Option<MediaId> {
        self.media.get(key).copied()
    }

    pub(super) fn len(&self) -> usize {
        self.media.len()
    }

    /// The recordings of `keys` that exist, in order, to be used one by one.
    pub(super) fn pool(&self, keys: impl Iterator<Item = String>) -> VecDeque<MediaId> {
        keys.filter_map(|key| self.get(&key)).collect()
    }
}

/// Makes every camera's clips and offloads them all in one `liuhen ingest`.
pub(super) async fn offload(instance: &Instance, cameras: &[Camera<'_>]) -> anyhow::Result<Footage> {
    if !tool_runs("ffmpeg").await || !tool_runs("ffprobe").await {
        println!("未找到 ffmpeg，演示实例没有录像 / ffmpeg not found: the demo has no recordings (apt-get install ffmpeg)");
        return Ok(Footage::default());
    }
    let scratch = tempfile::tempdir().context("cannot make a scratch folder for the demo clips")?;
    let china = jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?);
    let now = Timestamp::now();
    let mut keys_by_name = HashMap::new();
    let mut jobs = Vec::new();
    let mut folders = Vec::new();
    for camera in cameras {
        let root = scratch.path().join(&camera.device.serial);
        let folder = root.join("DCIM");
        std::fs::create_dir_all(&folder)?;
        for clip in &camera.clips {
            let camera_time = now - SignedDuration::from_mins(clip.minutes_ago) + camera.clock_ahead;
            let name = format!(
                "DSJ_{}_{}_{}.MP4",
                camera.device.serial,
                camera.badge,
                camera_time.to_zoned(china.clone()).strftime("%Y%m%d_%H%M%S")
            );
            keys_by_name.insert(name.clone(), clip.key.clone());
            // A tone of its own makes every clip a different file.
            let frequency = 300 + 20 * jobs.len();
            jobs.push(clip_command(&folder.join(name), camera, frequency));
        }
        folders.push((root, camera));
    }
    let made: Vec<std::io::Result<std::process::ExitStatus>> =
        futures::stream::iter(jobs).map(|mut command| async move { command.status().await }).buffer_unordered(2).collect().await;
    for status in made {
        anyhow::ensure!(status.context("cannot run ffmpeg")?.success(), "ffmpeg could not make a demo clip");
    }
    // The camera's clock as the workstation reads it on connecting.
    for (root, camera) in &folders {
        if !camera.clock_ahead.is_zero() {
            let clock = (Timestamp::now() + camera.clock_ahead).to_zoned(china.clone()).strftime("%Y/%m/%d %H:%M:%S");
            let identity = format!("产品序号={}\n警号={}\n设备时间={clock}\n", camera.device.serial, camera.badge);
            std::fs::write(root.join("device.txt"), identity)?;
        }
    }
    let args = crate::cli::IngestArgs {
        dirs: folders.iter().map(|(root, _)| root.clone()).collect(),
        device: None,
        register_device: false,
        clear_device: true,
        json: false,
        jobs: Some(2),
        server: None,
        token: None,
        token_file: None,
        spool: false,
    };
    super::super::ingest::run(instance, args).await?;
    let mut footage = Footage::default();
    for recording in instance.store.recordings(&Default::default()).await? {
        let name = recording.path_on_device.rsplit('/').next().unwrap_or_default();
        if let Some(key) = keys_by_name.get(name) {
            footage.media.insert(key.clone(), recording.media_id);
        }
    }
    Ok(footage)
}

fn clip_command(file: &std::path::Path, camera: &Camera<'_>, frequency: usize) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("ffmpeg");
    command
        .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={}:rate={}:duration={}", camera.size, camera.rate, camera.seconds))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency={frequency}:duration={}", camera.seconds))
        .args(["-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"])
        .arg(file)
        .stdin(std::process::Stdio::null());
    command
}

async fn tool_runs(tool: &str) -> bool {
    tokio::process::Command::new(tool)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .is_ok_and(|status| status.success())
}

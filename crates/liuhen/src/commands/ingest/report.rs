//! What `liuhen ingest` reports: a line per file above the progress bars,
//! and the `--json` summary (per file, per device, totals).

use std::path::Path;

use indicatif::MultiProgress;
use jiff::Timestamp;
use liuhen_core::id::{DeviceId, MediaId};
use liuhen_core::recording::{ClockOffset, Drift, MediaKind, Playback, Recording, StartSource};
use serde::Serialize;

use super::{human_duration, Run};

/// Prints per-file lines above the progress bars.
pub(super) struct Printer {
    pub(super) bars: MultiProgress,
    pub(super) json: bool,
}

impl Printer {
    pub(super) fn line(&self, line: String) {
        if self.json {
            return;
        }
        if self.bars.is_hidden() {
            println!("{line}");
        } else {
            // Printed through the bars so they are redrawn below, not over it.
            let _ = self.bars.println(line);
        }
    }

    pub(super) fn file(&self, dir: &str, file: &FileReport) {
        let label = match file.status {
            FileStatus::Stored => "已存入 stored   ",
            FileStatus::Duplicate => "已存在 duplicate",
            FileStatus::Failed => "失败 failed     ",
            FileStatus::Skipped => "跳过 skipped    ",
            FileStatus::Spooled => "暂存 spooled    ",
        };
        let mut flags = Vec::new();
        if let Some(Playback::Failed { detail }) = &file.playback {
            flags.push(format!("无法播放 does not play: {detail}"));
        }
        if let Some(late) = file.late_by_ms {
            flags.push(format!("超时 late by {}", human_duration(late)));
        }
        for drift in &file.drift {
            flags.push(match drift {
                Drift::DeviceClock { millis } => format!("设备时钟偏差 device clock off by {}", human_duration(*millis)),
                Drift::FileTimes { millis } => format!("文件时间不一致 file times differ by {}", human_duration(*millis)),
            });
        }
        if file.cleared {
            flags.push("已从设备清除 cleared from device".into());
        }
        if let Some(message) = &file.message {
            flags.push(message.clone());
        }
        let flags = if flags.is_empty() { String::new() } else { format!("  [{}]", flags.join("; ")) };
        let digest = file.sha256.as_deref().map(|sha| &sha[..16]).unwrap_or("-");
        self.line(format!("{label} {digest:16} {:>12}  {}/{}{flags}", file.size, dir, file.path));
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum FileStatus {
    /// Stored and registered now.
    Stored,
    /// Already registered earlier (same content).
    Duplicate,
    /// Not stored; still on the device.
    Failed,
    /// Not a recording, or refused before reading; still on the device.
    Skipped,
    /// Copied into this workstation's spool, not yet confirmed by the
    /// server; still on the device too (if it was given).
    Spooled,
}

/// What happened to one file, as `--json` prints it.
#[derive(Serialize)]
pub(super) struct FileReport {
    pub(super) path: String,
    pub(super) status: FileStatus,
    /// The device's serial.
    pub(super) device: Option<String>,
    pub(super) size: u64,
    pub(super) sha256: Option<String>,
    pub(super) sm3: Option<String>,
    pub(super) media_id: Option<MediaId>,
    pub(super) kind: Option<MediaKind>,
    pub(super) container: Option<String>,
    pub(super) video_codec: Option<String>,
    pub(super) audio_codec: Option<String>,
    pub(super) duration_ms: Option<u64>,
    pub(super) important: bool,
    pub(super) raw_start: Option<Timestamp>,
    pub(super) start_source: Option<StartSource>,
    pub(super) corrected_start: Option<Timestamp>,
    pub(super) corrected_end: Option<Timestamp>,
    pub(super) officer: Option<String>,
    pub(super) badge_no: Option<String>,
    pub(super) playback: Option<Playback>,
    pub(super) late_by_ms: Option<i64>,
    pub(super) drift: Vec<Drift>,
    pub(super) cleared: bool,
    pub(super) ledger_index: Option<u64>,
    pub(super) clear_ledger_index: Option<u64>,
    pub(super) message: Option<String>,
}

impl FileReport {
    pub(super) fn new(path: String, size: u64) -> Self {
        Self {
            path,
            status: FileStatus::Failed,
            device: None,
            size,
            sha256: None,
            sm3: None,
            media_id: None,
            kind: None,
            container: None,
            video_codec: None,
            audio_codec: None,
            duration_ms: None,
            important: false,
            raw_start: None,
            start_source: None,
            corrected_start: None,
            corrected_end: None,
            officer: None,
            badge_no: None,
            playback: None,
            late_by_ms: None,
            drift: Vec::new(),
            cleared: false,
            ledger_index: None,
            clear_ledger_index: None,
            message: None,
        }
    }

    pub(super) fn skipped(path: String, message: String) -> Self {
        let mut report = Self::new(path, 0);
        report.status = FileStatus::Skipped;
        report.message = Some(message);
        report
    }

    pub(super) fn fill_from(&mut self, recording: &Recording, context: &Run) {
        self.media_id = Some(recording.media_id);
        self.kind = Some(recording.kind);
        self.container = recording.probe.container.clone();
        self.video_codec = recording.probe.video_codec.clone();
        self.audio_codec = recording.probe.audio_codec.clone();
        self.duration_ms = recording.probe.duration_ms;
        self.important = recording.important;
        self.raw_start = recording.raw_start;
        self.start_source = recording.start_source;
        self.corrected_start = recording.corrected_start;
        self.corrected_end = recording.corrected_end;
        self.playback = Some(recording.playback.clone());
        self.late_by_ms = recording.offload_delay(context.deadline).map(|delay| i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        self.drift = recording.drift(context.drift_limit);
        // A file that cannot be probed usually cannot be played either; the
        // playback detail then says it already.
        if let (Some(error), Playback::Ok) = (&recording.probe.error, &recording.playback) {
            self.append_message(&format!("probe: {error}"));
        }
    }

    pub(super) fn append_message(&mut self, text: &str) {
        self.message = Some(match self.message.take() {
            Some(message) => format!("{message}; {text}"),
            None => text.to_owned(),
        });
    }
}

#[derive(Serialize)]
pub(super) struct DeviceReport {
    pub(super) dir: String,
    pub(super) device: Option<String>,
    pub(super) device_id: Option<DeviceId>,
    /// The officer the device is assigned to.
    pub(super) officer: Option<String>,
    pub(super) clock_offset: Option<ClockOffset>,
    pub(super) clock_drift: bool,
    pub(super) warnings: Vec<String>,
    /// Why nothing on this device was touched.
    pub(super) error: Option<String>,
    /// This is the workstation's spool (files an earlier run left for the
    /// server), not a device.
    pub(super) spool: bool,
    pub(super) files: Vec<FileReport>,
}

impl DeviceReport {
    /// A folder's report, before anything is known of it.
    pub(super) fn new(dir: &Path) -> Self {
        Self {
            dir: dir.display().to_string(),
            device: None,
            device_id: None,
            officer: None,
            clock_offset: None,
            clock_drift: false,
            warnings: Vec::new(),
            error: None,
            spool: false,
            files: Vec::new(),
        }
    }

    pub(super) fn failed(dir: &Path, error: String) -> Self {
        Self { error: Some(error), ..Self::new(dir) }
    }
}

#[derive(Default, Serialize)]
pub(super) struct Totals {
    pub(super) devices: usize,
    pub(super) devices_failed: usize,
    pub(super) files: usize,
    pub(super) stored: usize,
    pub(super) duplicate: usize,
    pub(super) failed: usize,
    pub(super) skipped: usize,
    pub(super) spooled: usize,
    pub(super) bytes_stored: u64,
    pub(super) playback_failed: usize,
    pub(super) late: usize,
    pub(super) drifted: usize,
    pub(super) cleared: usize,
}

impl Totals {
    pub(super) fn of(devices: &[DeviceReport]) -> Self {
        let mut totals = Totals { devices: devices.iter().filter(|device| !device.spool).count(), ..Totals::default() };
        for device in devices {
            totals.devices_failed += usize::from(device.error.is_some());
            for file in &device.files {
                totals.files += 1;
                match file.status {
                    FileStatus::Stored => {
                        totals.stored += 1;
                        totals.bytes_stored += file.size;
                    }
                    FileStatus::Duplicate => totals.duplicate += 1,
                    FileStatus::Failed => totals.failed += 1,
                    FileStatus::Skipped => totals.skipped += 1,
                    FileStatus::Spooled => totals.spooled += 1,
                }
                totals.playback_failed += usize::from(matches!(file.playback, Some(Playback::Failed { .. })));
                totals.late += usize::from(file.late_by_ms.is_some());
                totals.drifted += usize::from(!file.drift.is_empty());
                totals.cleared += usize::from(file.cleared);
            }
        }
        totals
    }
}

#[derive(Serialize)]
pub(super) struct Summary<'a> {
    pub(super) workstation: &'a str,
    pub(super) devices: &'a [DeviceReport],
    pub(super) totals: &'a Totals,
}

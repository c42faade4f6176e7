//! Recordings (音视频记录) as they come off a body camera, and the rules
//! about them that need no IO: reading the industry file-name convention and
//! the camera's identity file, correcting for the camera's clock, finding
//! late offloads and interruptions.
//!
//! Times here are facts as the camera stated them plus the offset measured at
//! the workstation; findings (late, drifted, interrupted) are derived from
//! those facts with the limits in force, never stored, so a later policy
//! pack can judge the same facts by its own limits.

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::id::{DeviceId, MediaId, OfficerId, UnitId};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// 录像: a video, usually with sound.
    Video,
    /// 照片.
    Photo,
    /// 录音.
    Audio,
    /// Anything else a camera holds (logs, GPS tracks).
    Other,
}

impl MediaKind {
    /// The kind a file name's extension promises. The probe has the last word.
    pub fn from_extension(extension: &str) -> Self {
        match extension.to_ascii_lowercase().as_str() {
            "mp4" | "mov" | "m4v" | "avi" | "mkv" | "ts" | "3gp" => MediaKind::Video,
            "jpg" | "jpeg" | "png" | "heic" => MediaKind::Photo,
            "wav" | "mp3" | "aac" | "m4a" | "amr" => MediaKind::Audio,
            _ => MediaKind::Other,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MediaKind::Video => "录像",
            MediaKind::Photo => "照片",
            MediaKind::Audio => "录音",
            MediaKind::Other => "其他",
        }
    }
}

/// What the industry naming convention
/// `<prefix>_<device serial>_<officer no.>_<YYYYMMDD>_<HHMMSS>[_IMP].<ext>`
/// says about a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraFileName {
    pub prefix: String,
    pub device_serial: String,
    pub badge_no: String,
    /// The camera's local wall-clock time at which recording started.
    pub start: DateTime,
    /// `_IMP`: the officer marked the recording important on the camera.
    pub important: bool,
    pub extension: String,
}

impl CameraFileName {
    /// Reads a file name; `None` when it does not follow the convention.
    pub fn parse(file_name: &str) -> Option<Self> {
        let (stem, extension) = file_name.rsplit_once('.')?;
        let mut parts: Vec<&str> = stem.split('_').collect();
        let important = parts.last().is_some_and(|last| last.eq_ignore_ascii_case("IMP"));
        if important {
            parts.pop();
        }
        let [prefix, serial, badge, date, time] = parts.as_slice() else { return None };
        if [prefix, serial, badge].iter().any(|part| part.is_empty()) {
            return None;
        }
        if date.len() != 8 || time.len() != 6 || !date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = |text: &str| text.parse::<i16>().ok();
        let start = DateTime::new(
            number(&date[0..4])?,
            number(&date[4..6])? as i8,
            number(&date[6..8])? as i8,
            number(&time[0..2])? as i8,
            number(&time[2..4])? as i8,
            number(&time[4..6])? as i8,
            0,
        )
        .ok()?;
        Some(Self {
            prefix: (*prefix).to_owned(),
            device_serial: (*serial).to_owned(),
            badge_no: (*badge).to_owned(),
            start,
            important,
            extension: extension.to_owned(),
        })
    }
}

/// What a camera says about itself in its identity file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraIdentity {
    /// 产品序号.
    pub serial: Option<String>,
    /// 警号 / 执法编号.
    pub badge_no: Option<String>,
    /// 姓名.
    pub officer_name: Option<String>,
    /// 单位编号.
    pub unit_code: Option<String>,
    /// 单位名称.
    pub unit_name: Option<String>,
    /// The camera's clock when it wrote the file or was connected, as local
    /// wall-clock time.
    pub clock: Option<DateTime>,
}

impl CameraIdentity {
    /// Reads `key=value` (or `key: value`) lines, English or Chinese keys,
    /// case-insensitive; `#` starts a comment; unknown keys are ignored.
    /// Returns the keys it could not read as errors, so a caller can warn.
    pub fn parse(text: &str) -> (Self, Vec<String>) {
        let mut identity = Self::default();
        let mut problems = Vec::new();
        for line in text.lines() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') || line.starts_with('[') {
                continue;
            }
            // The first separator splits: values hold colons of their own (times).
            let Some(at) = line.find(['=', ':', '：']) else { continue };
            let separator = line[at..].chars().next().expect("found above");
            let (key, value) = (&line[..at], &line[at + separator.len_utf8()..]);
            let value = value.trim().trim_matches('"').to_owned();
            if value.is_empty() {
                continue;
            }
            match key.trim().to_ascii_lowercase().as_str() {
                "serial" | "device_serial" | "product_serial" | "产品序号" | "设备编号" => identity.serial = Some(value),
                "officer_no" | "badge_no" | "police_no" | "警号" | "执法编号" | "执法证号" => identity.badge_no = Some(value),
                "name" | "officer_name" | "姓名" => identity.officer_name = Some(value),
                "unit_code" | "单位编号" => identity.unit_code = Some(value),
                "unit_name" | "单位名称" => identity.unit_name = Some(value),
                "clock" | "time" | "device_time" | "当前时间" | "设备时间" => match parse_camera_time(&value) {
                    Some(time) => identity.clock = Some(time),
                    None => problems.push(format!("the camera time `{value}` is not a date and time such as 2026-11-23 14:05:00")),
                },
                _ => {}
            }
        }
        (identity, problems)
    }
}

/// Reads `2026-11-23 14:05:00`, `2026-11-23T14:05:00`, `2026/11/23 14:05:00`
/// or `20261123140500` as local wall-clock time.
pub fn parse_camera_time(text: &str) -> Option<DateTime> {
    let text = text.trim();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 14 {
        return None;
    }
    let field = |range: std::ops::Range<usize>| digits[range].parse::<i16>().ok();
    DateTime::new(field(0..4)?, field(4..6)? as i8, field(6..8)? as i8, field(8..10)? as i8, field(10..12)? as i8, field(12..14)? as i8, 0)
        .ok()
}

/// Where a recording's start time came from, most trusted first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartSource {
    /// The industry file name (camera clock).
    FileName,
    /// The container's creation time (MP4/MOV `creation_time`).
    Container,
    /// EXIF `DateTimeOriginal` of a photo.
    Exif,
    /// The file's modification time on the camera's disk.
    FileTime,
}

/// How the camera's clock compares with the workstation's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockOffset {
    /// Camera clock minus workstation clock, in milliseconds: positive when
    /// the camera runs ahead.
    pub millis: i64,
    pub method: OffsetMethod,
}

/// How a clock offset was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetMethod {
    /// The camera reported its clock (identity file) at connection.
    ReportedClock,
    /// The newest file on the camera is dated in the future: the camera
    /// runs ahead by at least this much. (A camera running behind cannot be
    /// seen this way; its offset is then unknown.)
    NewestFileTime,
}

impl ClockOffset {
    /// Estimates the offset from what the camera reported, or else from its
    /// newest file time, against the workstation's `now`.
    pub fn estimate(reported_clock: Option<Timestamp>, newest_file_time: Option<Timestamp>, now: Timestamp) -> Option<Self> {
        if let Some(reported) = reported_clock {
            return Some(Self { millis: millis_between(now, reported), method: OffsetMethod::ReportedClock });
        }
        let newest = newest_file_time?;
        (newest > now).then(|| Self { millis: millis_between(now, newest), method: OffsetMethod::NewestFileTime })
    }

    /// A camera-clock instant expressed on the workstation's clock.
    pub fn correct(&self, camera_time: Timestamp) -> Timestamp {
        camera_time.checked_sub(SignedDuration::from_millis(self.millis)).unwrap_or(camera_time)
    }
}

/// `to - from` in milliseconds.
pub fn millis_between(from: Timestamp, to: Timestamp) -> i64 {
    i64::try_from(to.as_millisecond() as i128 - from.as_millisecond() as i128).unwrap_or(i64::MAX)
}

/// A local wall-clock time at the given UTC offset.
pub fn local_to_timestamp(time: DateTime, offset: Offset) -> Option<Timestamp> {
    offset.to_timestamp(time).ok()
}

/// What probing a stored file found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaProbe {
    /// Container format as the prober names it, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub container: Option<String>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration_ms: Option<u64>,
    /// The container's creation time or a photo's EXIF time, as UTC. EXIF
    /// times carry no zone; they are read at the configured UTC offset.
    pub embedded_start: Option<Timestamp>,
    /// Problems the prober reported (a file that cannot be probed is still kept).
    pub error: Option<String>,
}

/// The result of confirming that a stored file plays back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Playback {
    /// Every packet was read and the start decoded.
    Ok,
    /// The stored copy does not play; it is kept and flagged.
    Failed { detail: String },
    /// Not a media file, so there is nothing to play.
    NotApplicable,
}

impl Playback {
    /// Whether the file is known to play. Only then may it leave the camera.
    pub fn is_ok(&self) -> bool {
        matches!(self, Playback::Ok)
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            Playback::Ok => "可正常播放",
            Playback::Failed { .. } => "无法播放",
            Playback::NotApplicable => "不适用",
        }
    }
}

/// One file offloaded from a device and registered (采集登记). One per
/// stored content: the same bytes offloaded twice are one recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub media_id: MediaId,
    pub device_id: DeviceId,
    /// The officer who recorded it (from the file name or the camera's
    /// identity, else the device's assigned officer).
    pub officer_id: Option<OfficerId>,
    pub unit_id: Option<UnitId>,
    /// Where on the device it was, relative to the device's root (lossy UTF-8).
    pub path_on_device: String,
    pub kind: MediaKind,
    pub important: bool,
    pub probe: MediaProbe,
    /// Start time from the file name, on the camera's clock.
    pub named_start: Option<Timestamp>,
    /// The start time taken as the camera's (see `start_source`).
    pub raw_start: Option<Timestamp>,
    pub start_source: Option<StartSource>,
    /// The camera's clock offset measured when it was offloaded.
    pub clock_offset: Option<ClockOffset>,
    /// Start and end on the workstation's clock.
    pub corrected_start: Option<Timestamp>,
    pub corrected_end: Option<Timestamp>,
    pub playback: Playback,
    /// The collection workstation (host name) that offloaded it.
    pub workstation: String,
    pub ingested_at: Timestamp,
    /// The ledger actor that offloaded it.
    pub ingested_by: String,
}

impl Recording {
    /// How much later than `deadline` after its end it was offloaded, if it was.
    pub fn offload_delay(&self, deadline: SignedDuration) -> Option<SignedDuration> {
        let end = self.corrected_end.or(self.corrected_start)?;
        let waited = self.ingested_at.duration_since(end);
        (waited > deadline).then_some(waited)
    }

    /// How far the container time is from the file-name time, in ms.
    pub fn file_clock_difference_ms(&self) -> Option<i64> {
        Some(millis_between(self.named_start?, self.probe.embedded_start?))
    }

    /// Whether the camera clock or this file's own times disagree by more
    /// than `threshold`.
    pub fn drift(&self, threshold: SignedDuration) -> Vec<Drift> {
        let limit = threshold.as_millis();
        let mut drifts = Vec::new();
        if let Some(offset) = self.clock_offset.filter(|offset| i128::from(offset.millis.unsigned_abs()) > limit) {
            drifts.push(Drift::DeviceClock { millis: offset.millis });
        }
        if let Some(difference) = self.file_clock_difference_ms().filter(|difference| i128::from(difference.unsigned_abs()) > limit) {
            drifts.push(Drift::FileTimes { millis: difference });
        }
        drifts
    }
}

/// A clock problem found on a recording (汶上 第六条一; 厦门 三).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Drift {
    /// The camera's clock was off from the workstation's by this much.
    DeviceClock { millis: i64 },
    /// The container's own time and the file-name time disagree.
    FileTimes { millis: i64 },
}

/// A label on an AV record that belongs to no case (信息标注, 厦门 五):
/// what it shows and where, so that patrol footage is accounted for within
/// the link deadline like footage linked to a case. Labels are only added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingLabel {
    pub media_id: MediaId,
    /// 0, 1, 2, … over the recording's labels.
    pub sequence: u32,
    pub item: crate::case::RecordedItem,
    pub location: String,
    pub label: String,
    /// The officer who labelled it.
    pub officer_id: Option<OfficerId>,
    pub labeled_at: Timestamp,
    pub labeled_by: String,
}

/// An entry in an officer's duty log (执勤日志, 厦门 六（二）): for a while,
/// recording was impossible or stopped (bad weather, a device fault), why,
/// and the leader it was reported to. It answers what its time covers: a
/// missing AV record of one of the officer's cases, an interruption of the
/// officer's recording. Entries are numbered per officer and only added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyLogEntry {
    pub officer_id: OfficerId,
    /// 0, 1, 2, … over the officer's entries.
    pub sequence: u32,
    pub from: Timestamp,
    pub to: Timestamp,
    pub reason: String,
    /// The case it concerns, if one.
    pub case_id: Option<crate::id::CaseId>,
    /// The leader it was reported to (向上级领导报告).
    pub reported_to: Option<OfficerId>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

impl DutyLogEntry {
    /// Whether the entry is the officer's and covers `from..=to`.
    pub fn covers(&self, officer: OfficerId, from: Timestamp, to: Timestamp) -> bool {
        self.officer_id == officer && self.from <= from && to <= self.to
    }
}

/// An officer's explanation of a gap inside one activity (丰台 第十八条).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterruptionNote {
    pub device_id: DeviceId,
    /// The recording before the gap and the one after it.
    pub before: MediaId,
    pub after: MediaId,
    pub explanation: String,
    pub officer_id: Option<OfficerId>,
    pub noted_by: String,
    pub noted_at: Timestamp,
}

/// A gap between two recordings of one device inside one activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interruption {
    pub device_id: DeviceId,
    pub before: MediaId,
    pub after: MediaId,
    /// End of the recording before and start of the one after, corrected.
    pub from: Timestamp,
    pub to: Timestamp,
    pub gap_ms: i64,
}

/// The interruptions among `recordings`: for each device, consecutive
/// videos and audio recordings whose gap is positive and shorter than
/// `same_activity` are one activity, and each such gap is an interruption.
/// Photos and recordings without corrected times are left out.
pub fn interruptions(recordings: &[Recording], same_activity: SignedDuration) -> Vec<Interruption> {
    let mut timed: Vec<(&Recording, Timestamp, Timestamp)> = recordings
        .iter()
        .filter(|recording| matches!(recording.kind, MediaKind::Video | MediaKind::Audio))
        .filter_map(|recording| Some((recording, recording.corrected_start?, recording.corrected_end?)))
        .collect();
    timed.sort_by_key(|(recording, start, _)| (recording.device_id, *start));
    let mut found = Vec::new();
    // The recording that ends last so far on this device: a short one inside
    // a long one leaves no gap.
    let mut latest: Option<(&Recording, Timestamp)> = None;
    for (recording, start, end) in timed {
        match latest {
            Some((before, before_end)) if before.device_id == recording.device_id => {
                let gap = start.duration_since(before_end);
                if gap > SignedDuration::ZERO && gap < same_activity {
                    found.push(Interruption {
                        device_id: before.device_id,
                        before: before.media_id,
                        after: recording.media_id,
                        from: before_end,
                        to: start,
                        gap_ms: i64::try_from(gap.as_millis()).unwrap_or(i64::MAX),
                    });
                }
                if end > before_end {
                    latest = Some((recording, end));
                }
            }
            _ => latest = Some((recording, end)),
        }
    }
    found
}

/// What collection is held to (采集时限): how soon after it ends a
/// recording must be offloaded, how close recordings of one device are one
/// activity, and how far a clock may drift. Findings are derived from the
/// facts with these, never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollectionLimits {
    pub offload_deadline: SignedDuration,
    pub same_activity: SignedDuration,
    pub clock_drift: SignedDuration,
}

impl CollectionLimits {
    /// The limits when nothing else is configured: offload within 24 hours
    /// (丰台 第二十三条), gaps under 10 minutes are one activity, and a clock
    /// 30 seconds off is flagged.
    pub const DEFAULT: CollectionLimits = CollectionLimits {
        offload_deadline: SignedDuration::from_hours(24),
        same_activity: SignedDuration::from_mins(10),
        clock_drift: SignedDuration::from_secs(30),
    };

    /// These limits under `pack`: where the pack states a limit it wins,
    /// except that the stricter of two offload deadlines applies (a local
    /// deadline shorter than the pack's is a stricter local practice).
    pub fn under(self, pack: &crate::pack::PolicyPack) -> CollectionLimits {
        use crate::pack::Check;
        let mut limits = self;
        for rule in &pack.rules {
            match rule.check {
                Check::OffloadDeadline { within } => limits.offload_deadline = limits.offload_deadline.min(within),
                Check::InterruptionExplained { window } => limits.same_activity = window,
                Check::ClockDrift { threshold } => limits.clock_drift = threshold,
                _ => {}
            }
        }
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reads_the_industry_file_name() {
        let name = CameraFileName::parse("DSJ_A1B2C3_012345_20261123_140501_IMP.MP4").unwrap();
        assert_eq!(name.prefix, "DSJ");
        assert_eq!(name.device_serial, "A1B2C3");
        assert_eq!(name.badge_no, "012345");
        assert_eq!(name.start, date(2026, 11, 23).at(14, 5, 1, 0));
        assert!(name.important);
        assert_eq!(name.extension, "MP4");
        assert!(!CameraFileName::parse("DSJ_A1B2C3_012345_20261123_140501.jpg").unwrap().important);
    }

    #[test]
    fn other_names_are_not_misread() {
        for name in [
            "VID_0001.MP4",
            "DSJ_A1B2C3_012345_20261123.MP4",
            "DSJ_A1B2C3_012345_20261323_140501.MP4",
            "DSJ_A1B2C3_012345_2026112_1405010.MP4",
            "DSJ__012345_20261123_140501.MP4",
            "DSJ_A1B2C3_012345_20261123_140501",
            "录像 1.mp4",
        ] {
            assert_eq!(CameraFileName::parse(name), None, "{name}");
        }
    }

    #[test]
    fn reads_an_identity_file_in_either_language() {
        let (identity, problems) = CameraIdentity::parse(
            "\u{feff}[device]\n产品序号=A1B2C3\n警号: 012345\nname = 张伟\n单位编号=350203\nunit_name=思明大队\nclock=2026/11/23 14:05:00\n# note\nbogus\n",
        );
        assert!(problems.is_empty());
        assert_eq!(identity.serial.as_deref(), Some("A1B2C3"));
        assert_eq!(identity.badge_no.as_deref(), Some("012345"));
        assert_eq!(identity.officer_name.as_deref(), Some("张伟"));
        assert_eq!(identity.unit_code.as_deref(), Some("350203"));
        assert_eq!(identity.unit_name.as_deref(), Some("思明大队"));
        assert_eq!(identity.clock, Some(date(2026, 11, 23).at(14, 5, 0, 0)));
        let (_, problems) = CameraIdentity::parse("clock=yesterday");
        assert_eq!(problems.len(), 1);
        let (full_width, problems) = CameraIdentity::parse("设备时间：2026-11-23 14:05:00\n姓名：李娜");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(full_width.clock, Some(date(2026, 11, 23).at(14, 5, 0, 0)), "a full-width colon separates too");
        assert_eq!(full_width.officer_name.as_deref(), Some("李娜"));
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + seconds).unwrap()
    }

    #[test]
    fn clock_offset_prefers_the_reported_clock_and_corrects_times() {
        let offset = ClockOffset::estimate(Some(at(45)), Some(at(9_000)), at(0)).unwrap();
        assert_eq!(offset, ClockOffset { millis: 45_000, method: OffsetMethod::ReportedClock });
        assert_eq!(offset.correct(at(100)), at(55));
        let ahead = ClockOffset::estimate(None, Some(at(120)), at(0)).unwrap();
        assert_eq!(ahead.method, OffsetMethod::NewestFileTime);
        assert_eq!(ahead.millis, 120_000);
        assert_eq!(ClockOffset::estimate(None, Some(at(-120)), at(0)), None, "a file in the past says nothing");
    }

    fn recording(device: DeviceId, start: i64, end: i64, kind: MediaKind) -> Recording {
        Recording {
            media_id: MediaId::new(),
            device_id: device,
            officer_id: None,
            unit_id: None,
            path_on_device: "x".into(),
            kind,
            important: false,
            probe: MediaProbe::default(),
            named_start: Some(at(start)),
            raw_start: Some(at(start)),
            start_source: Some(StartSource::FileName),
            clock_offset: None,
            corrected_start: Some(at(start)),
            corrected_end: Some(at(end)),
            playback: Playback::Ok,
            workstation: "ws".into(),
            ingested_at: at(end + 60),
            ingested_by: "console:test".into(),
        }
    }

    #[test]
    fn gaps_inside_an_activity_are_interruptions() {
        let camera = DeviceId::new();
        let other = DeviceId::new();
        let recordings = vec![
            recording(camera, 600, 900, MediaKind::Video),
            recording(camera, 0, 300, MediaKind::Video),
            recording(camera, 320, 330, MediaKind::Photo),
            recording(camera, 5_000, 5_100, MediaKind::Video),
            recording(other, 310, 400, MediaKind::Video),
            // Inside the long first recording of `other`: no gap after it.
            recording(other, 0, 1_000, MediaKind::Video),
        ];
        let found = interruptions(&recordings, SignedDuration::from_mins(10));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].before, recordings[1].media_id);
        assert_eq!(found[0].after, recordings[0].media_id);
        assert_eq!(found[0].gap_ms, 300_000);
    }

    #[test]
    fn late_offloads_and_drift_are_derived_from_the_facts() {
        let mut late = recording(DeviceId::new(), 0, 300, MediaKind::Video);
        late.ingested_at = at(300 + 25 * 3600);
        assert_eq!(late.offload_delay(SignedDuration::from_hours(24)), Some(SignedDuration::from_hours(25)));
        let on_time = recording(DeviceId::new(), 0, 300, MediaKind::Video);
        assert_eq!(on_time.offload_delay(SignedDuration::from_hours(24)), None);

        let mut drifted = recording(DeviceId::new(), 0, 300, MediaKind::Video);
        drifted.clock_offset = Some(ClockOffset { millis: -45_000, method: OffsetMethod::ReportedClock });
        drifted.probe.embedded_start = Some(at(2));
        assert_eq!(drifted.drift(SignedDuration::from_secs(30)), vec![Drift::DeviceClock { millis: -45_000 }]);
        drifted.probe.embedded_start = Some(at(40));
        assert_eq!(drifted.drift(SignedDuration::from_secs(30)).len(), 2);
    }

    #[test]
    fn a_pack_states_the_limits_and_the_stricter_offload_deadline_applies() {
        let pack = crate::pack::PolicyPack::builtin("xiamen-cgj").unwrap().unwrap();
        assert_eq!(CollectionLimits::DEFAULT.under(&pack).offload_deadline, SignedDuration::from_hours(24));
        let strict = CollectionLimits { offload_deadline: SignedDuration::from_hours(12), ..CollectionLimits::DEFAULT };
        assert_eq!(strict.under(&pack).offload_deadline, SignedDuration::from_hours(12), "a stricter local deadline stays");
        let lax = CollectionLimits {
            offload_deadline: SignedDuration::from_hours(72),
            clock_drift: SignedDuration::from_mins(5),
            same_activity: SignedDuration::from_mins(3),
        };
        let under = lax.under(&pack);
        assert_eq!(under.offload_deadline, SignedDuration::from_hours(24), "the pack's deadline is the most allowed");
        assert_eq!(under.clock_drift, SignedDuration::from_secs(30), "the pack's clock rule wins");
        assert_eq!(under.same_activity, SignedDuration::from_mins(3), "the pack has no interruption rule");
    }
}

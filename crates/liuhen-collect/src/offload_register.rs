//! The offload register (导出台账): one row per file a workstation
//! registered, with who recorded it, on which device, when, where it was
//! offloaded, whether it plays and whether it was offloaded late.
//!
//! `liuhen register offload` prints these rows and `GET
//! /api/v1/register/offload` serves them; both build them here, so the
//! console and the web page cannot disagree about what the register says.
//! Who may see which rows is the caller's decision (the API's roles).

use std::collections::HashMap;

use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::{Device, Officer};
use liuhen_core::id::{DeviceId, MediaId, OfficerId};
use liuhen_core::recording::Playback;
use liuhen_store::{MetaStore, RecordingQuery, StoreError};
use serde::{Deserialize, Serialize};

/// One line of the offload register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffloadRow {
    pub media_id: MediaId,
    /// The officer who recorded it, when known.
    pub officer_id: Option<OfficerId>,
    pub officer_name: Option<String>,
    /// 执法证号.
    pub certificate_no: Option<String>,
    pub badge_no: Option<String>,
    /// The device's serial number (its id when the device is unknown).
    pub device: String,
    /// 视频, 照片, 音频…
    pub kind: String,
    /// Where the file was on the device.
    pub file: String,
    /// Recording date and period, on the workstation's clock, in the cameras' zone.
    pub date: Option<String>,
    pub period: Option<String>,
    pub corrected_start: Option<Timestamp>,
    pub corrected_end: Option<Timestamp>,
    pub workstation: String,
    pub ingested_at: Timestamp,
    pub playback: Playback,
    pub important: bool,
    /// How long after its end the file was offloaded, when that was later
    /// than the deadline (丰台 第二十三条).
    pub late_by_ms: Option<i64>,
    pub sha256: String,
}

/// How the register reads times and judges lateness.
#[derive(Clone, Copy, Debug)]
pub struct RegisterSettings {
    /// The zone dates and periods are written in (the cameras').
    pub offset: Offset,
    /// A file offloaded later than this after it ended is late.
    pub offload_deadline: SignedDuration,
}

/// The rows for the recordings `query` selects, in the order the store
/// gives them (by start, then id).
pub async fn offload_rows(
    store: &dyn MetaStore,
    query: &RecordingQuery,
    settings: RegisterSettings,
) -> Result<Vec<OffloadRow>, StoreError> {
    let officers: HashMap<OfficerId, Officer> = store.officers().await?.into_iter().map(|officer| (officer.id, officer)).collect();
    let devices: HashMap<DeviceId, Device> = store.devices().await?.into_iter().map(|device| (device.id, device)).collect();
    let zone = TimeZone::fixed(settings.offset);
    let recordings = store.recordings(query).await?;
    let mut rows = Vec::with_capacity(recordings.len());
    for recording in recordings {
        // A recording is registered together with its media record, in one
        // entry; one without the other is damage the caller must hear of.
        let media = store
            .media(recording.media_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("the recording {} has no media record; run `liuhen verify`", recording.media_id)))?;
        let officer = recording.officer_id.and_then(|id| officers.get(&id));
        let (date, period) = match recording.corrected_start {
            Some(start) => {
                let start = start.to_zoned(zone.clone());
                let end = recording.corrected_end.map_or_else(|| start.clone(), |end| end.to_zoned(zone.clone()));
                (Some(start.strftime("%Y-%m-%d").to_string()), Some(format!("{}–{}", start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S"))))
            }
            None => (None, None),
        };
        let late_by_ms =
            recording.offload_delay(settings.offload_deadline).map(|delay| i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        rows.push(OffloadRow {
            media_id: recording.media_id,
            officer_id: recording.officer_id,
            officer_name: officer.map(|officer| officer.name.clone()),
            certificate_no: officer.and_then(|officer| officer.certificate_no.clone()),
            badge_no: officer.map(|officer| officer.badge_no.clone()),
            device: devices.get(&recording.device_id).map_or_else(|| recording.device_id.to_string(), |device| device.serial.clone()),
            kind: recording.kind.label_zh().to_owned(),
            file: recording.path_on_device,
            date,
            period,
            corrected_start: recording.corrected_start,
            corrected_end: recording.corrected_end,
            workstation: recording.workstation,
            ingested_at: recording.ingested_at,
            playback: recording.playback,
            important: recording.important,
            late_by_ms,
            sha256: media.sha256.to_hex(),
        });
    }
    Ok(rows)
}

/// The column headings of the CSV register, in order.
pub const CSV_HEADER: [&str; 15] = [
    "序号",
    "姓名",
    "执法证号",
    "执法编号",
    "设备编号",
    "类型",
    "文件",
    "日期",
    "时段",
    "采集站",
    "采集时间",
    "播放检查",
    "重要",
    "超时",
    "SHA-256",
];

/// Writes `rows` as CSV (UTF-8 with a byte-order mark, so spreadsheet
/// programs read the Chinese right), the header first; times in `offset`.
pub fn write_csv(rows: &[OffloadRow], offset: Offset, out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut out = out;
    out.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let zone = TimeZone::fixed(offset);
    for (number, row) in rows.iter().enumerate() {
        writer.write_record([
            (number + 1).to_string(),
            row.officer_name.clone().unwrap_or_default(),
            row.certificate_no.clone().unwrap_or_default(),
            row.badge_no.clone().unwrap_or_default(),
            row.device.clone(),
            row.kind.clone(),
            row.file.clone(),
            row.date.clone().unwrap_or_default(),
            row.period.clone().unwrap_or_default(),
            row.workstation.clone(),
            row.ingested_at.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
            row.playback.label_zh().to_owned(),
            if row.important { "是".into() } else { String::new() },
            row.late_by_ms.map(human_duration).unwrap_or_default(),
            row.sha256.clone(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// A length of time in milliseconds as a person on duty reads it: `42 s`,
/// `3 min 5 s`, `26 h 10 min`.
pub fn human_duration(millis: i64) -> String {
    let sign = if millis < 0 { "-" } else { "" };
    let seconds = millis.unsigned_abs() / 1000;
    match seconds {
        0..60 => format!("{sign}{seconds} s"),
        60..3600 => format!("{sign}{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{sign}{} h {} min", seconds / 3600, (seconds % 3600) / 60),
    }
}

/// A bound of the register's period that does not read as one.
#[derive(Debug, thiserror::Error)]
pub enum BoundError {
    #[error("`{0}` is not a date such as 2026-11-23 or an instant such as 2026-11-23T08:00:00+08:00")]
    NotADate(String),
    #[error("the date `{0}` is out of range; give a date between the years 1 and 9999")]
    OutOfRange(String),
}

/// Reads `2026-11-23` (a day, in `offset`'s zone) or an RFC 3339 instant.
/// A day given as the upper bound includes that whole day.
pub fn parse_bound(text: &str, offset: Offset, upper: bool) -> Result<Timestamp, BoundError> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let day: jiff::civil::Date = text.parse().map_err(|_| BoundError::NotADate(text.to_owned()))?;
    let day = if upper { day.tomorrow().map_err(|_| BoundError::OutOfRange(text.to_owned()))? } else { day };
    offset.to_timestamp(day.to_datetime(jiff::civil::Time::midnight())).map_err(|_| BoundError::OutOfRange(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_as_the_upper_bound_takes_in_the_whole_day() {
        let china = jiff::tz::offset(8);
        assert_eq!(parse_bound("2026-11-23", china, false).unwrap().to_string(), "2026-11-22T16:00:00Z");
        assert_eq!(parse_bound("2026-11-23", china, true).unwrap().to_string(), "2026-11-23T16:00:00Z");
        assert_eq!(parse_bound("2026-11-23T08:00:00+08:00", china, true).unwrap().to_string(), "2026-11-23T00:00:00Z");
        assert!(matches!(parse_bound("23/11/2026", china, false), Err(BoundError::NotADate(_))));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(42_000), "42 s");
        assert_eq!(human_duration(185_000), "3 min 5 s");
        assert_eq!(human_duration(94_200_000), "26 h 10 min");
        assert_eq!(human_duration(-5_000), "-5 s");
    }

    #[test]
    fn the_csv_starts_with_a_byte_order_mark_and_its_header() {
        let mut out = Vec::new();
        write_csv(&[], jiff::tz::offset(8), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, format!("\u{feff}{}\n", CSV_HEADER.join(",")));
    }
}

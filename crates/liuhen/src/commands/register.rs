//! Registers (台账) and interruptions (中断说明).
//!
//! The offload register lists every file a workstation registered, with who
//! recorded it, on which device, when, where it was offloaded and whether
//! it plays. Interruptions are gaps inside one activity: each needs an
//! officer's explanation, recorded in the ledger once and never changed.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use liuhen_core::entity::{Device, Officer};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{DeviceId, MediaId, OfficerId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{interruptions as find_interruptions, InterruptionNote, Playback, Recording};
use liuhen_store::RecordingQuery;
use serde::Serialize;

use super::ingest::human_duration;
use crate::cli::{InterruptionsArgs, InterruptionsCommand, OffloadRegisterArgs, RegisterCommand};
use crate::instance::{console_actor, Instance};

pub async fn run(instance: &Instance, command: RegisterCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegisterCommand::Offload(args) => offload(instance, args).await,
    }
}

/// One line of the offload register.
#[derive(Serialize)]
struct OffloadRow {
    media_id: MediaId,
    officer_name: Option<String>,
    certificate_no: Option<String>,
    badge_no: Option<String>,
    device: String,
    kind: &'static str,
    file: String,
    /// Recording date and period, on the workstation's clock, in the cameras' zone.
    date: Option<String>,
    period: Option<String>,
    corrected_start: Option<Timestamp>,
    corrected_end: Option<Timestamp>,
    workstation: String,
    ingested_at: Timestamp,
    playback: Playback,
    important: bool,
    late_by_ms: Option<i64>,
    sha256: String,
}

/// Directory lookups shared by the register and the interruption list.
struct Names {
    officers: HashMap<OfficerId, Officer>,
    devices: HashMap<DeviceId, Device>,
}

impl Names {
    async fn load(instance: &Instance) -> anyhow::Result<Self> {
        Ok(Self {
            officers: instance.store.officers().await?.into_iter().map(|officer| (officer.id, officer)).collect(),
            devices: instance.store.devices().await?.into_iter().map(|device| (device.id, device)).collect(),
        })
    }

    fn serial(&self, id: DeviceId) -> String {
        self.devices.get(&id).map_or_else(|| id.to_string(), |device| device.serial.clone())
    }

    async fn device(instance: &Instance, serial: Option<&str>) -> anyhow::Result<Option<DeviceId>> {
        match serial {
            None => Ok(None),
            Some(serial) => Ok(Some(
                instance.store.device_by_serial(serial).await?.with_context(|| format!("no device with serial {serial} is registered"))?.id,
            )),
        }
    }
}

async fn offload(instance: &Instance, args: OffloadRegisterArgs) -> anyhow::Result<ExitCode> {
    let settings = &instance.config.ingest;
    let limits = instance.config.collection_limits()?;
    let offset = settings.offset()?;
    let query = RecordingQuery {
        device: Names::device(instance, args.device.as_deref()).await?,
        from: args.from.as_deref().map(|text| parse_bound(text, offset, false)).transpose()?,
        to: args.to.as_deref().map(|text| parse_bound(text, offset, true)).transpose()?,
    };
    let names = Names::load(instance).await?;
    let recordings = instance.store.recordings(&query).await?;
    let mut rows = Vec::with_capacity(recordings.len());
    for recording in &recordings {
        let media = instance.store.media(recording.media_id).await?.context("a registered recording has no media record")?;
        let officer = recording.officer_id.and_then(|id| names.officers.get(&id));
        let local = |time: Timestamp| time.to_zoned(jiff::tz::TimeZone::fixed(offset));
        let (date, period) = match (recording.corrected_start, recording.corrected_end) {
            (Some(start), end) => {
                let start = local(start);
                let end = end.map(local).unwrap_or_else(|| start.clone());
                (Some(start.strftime("%Y-%m-%d").to_string()), Some(format!("{}–{}", start.strftime("%H:%M:%S"), end.strftime("%H:%M:%S"))))
            }
            (None, _) => (None, None),
        };
        rows.push(OffloadRow {
            media_id: recording.media_id,
            officer_name: officer.map(|officer| officer.name.clone()),
            certificate_no: officer.and_then(|officer| officer.certificate_no.clone()),
            badge_no: officer.map(|officer| officer.badge_no.clone()),
            device: names.serial(recording.device_id),
            kind: recording.kind.label_zh(),
            file: recording.path_on_device.clone(),
            date,
            period,
            corrected_start: recording.corrected_start,
            corrected_end: recording.corrected_end,
            workstation: recording.workstation.clone(),
            ingested_at: recording.ingested_at,
            playback: recording.playback.clone(),
            important: recording.important,
            late_by_ms: recording.offload_delay(limits.offload_deadline).map(|delay| i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            sha256: media.sha256.to_hex(),
        });
    }

    if args.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
    } else if args.csv {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        // A byte-order mark, so spreadsheet programs read the Chinese right.
        std::io::Write::write_all(&mut lock, "\u{feff}".as_bytes())?;
        let mut writer = csv::Writer::from_writer(lock);
        writer.write_record([
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
        ])?;
        for (number, row) in rows.iter().enumerate() {
            writer.write_record([
                (number + 1).to_string(),
                row.officer_name.clone().unwrap_or_default(),
                row.certificate_no.clone().unwrap_or_default(),
                row.badge_no.clone().unwrap_or_default(),
                row.device.clone(),
                row.kind.to_owned(),
                row.file.clone(),
                row.date.clone().unwrap_or_default(),
                row.period.clone().unwrap_or_default(),
                row.workstation.clone(),
                row.ingested_at.to_zoned(jiff::tz::TimeZone::fixed(offset)).strftime("%Y-%m-%d %H:%M:%S").to_string(),
                row.playback.label_zh().to_owned(),
                if row.important { "是".into() } else { String::new() },
                row.late_by_ms.map(human_duration).unwrap_or_default(),
                row.sha256.clone(),
            ])?;
        }
        writer.flush()?;
    } else {
        println!("导出台账 offload register: {} 条 files", rows.len());
        for (number, row) in rows.iter().enumerate() {
            let late = row.late_by_ms.map(|late| format!("  超时 late {}", human_duration(late))).unwrap_or_default();
            println!(
                "{:>4}  {} {}  {}  {} {}  {}  {}  {}{late}",
                number + 1,
                row.officer_name.as_deref().unwrap_or("（未知 unknown）"),
                row.certificate_no.as_deref().unwrap_or("-"),
                row.device,
                row.date.as_deref().unwrap_or("????-??-??"),
                row.period.as_deref().unwrap_or(""),
                row.file,
                row.workstation,
                row.playback.label_zh(),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `2026-11-23` (a day, in the cameras' zone) or an RFC 3339 instant.
/// A day given as the upper bound includes that whole day.
pub(crate) fn parse_bound(text: &str, offset: Offset, upper: bool) -> anyhow::Result<Timestamp> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    let day: jiff::civil::Date = text
        .parse()
        .with_context(|| format!("`{text}` is not a date such as 2026-11-23 or an instant such as 2026-11-23T08:00:00+08:00"))?;
    let day = if upper { day.tomorrow().context("that date is out of range")? } else { day };
    Ok(offset.to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))?)
}

/// One interruption, with its explanation if given.
#[derive(Serialize)]
struct InterruptionRow {
    device: String,
    before: MediaId,
    after: MediaId,
    before_file: String,
    after_file: String,
    from: Timestamp,
    to: Timestamp,
    gap_ms: i64,
    explanation: Option<InterruptionNote>,
}

pub async fn interruptions(instance: &Instance, args: InterruptionsArgs) -> anyhow::Result<ExitCode> {
    if let Some(InterruptionsCommand::Explain { before, after, officer, text }) = args.command {
        return explain(instance, &before, &after, &officer, &text).await;
    }
    let settings = &instance.config.ingest;
    let offset = settings.offset()?;
    let device = Names::device(instance, args.device.as_deref()).await?;
    let names = Names::load(instance).await?;
    let recordings = instance.store.recordings(&RecordingQuery { device, ..Default::default() }).await?;
    let notes = instance.store.interruption_notes(device).await?;
    let rows = interruption_rows(&recordings, notes, instance.config.collection_limits()?.same_activity, &names);
    let rows: Vec<_> = rows.into_iter().filter(|row| !args.unexplained || row.explanation.is_none()).collect();
    if args.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let waiting = rows.iter().filter(|row| row.explanation.is_none()).count();
    println!("中断 interruptions: {} 处, {} 处待说明 need an explanation", rows.len(), waiting);
    let local = |time: Timestamp| time.to_zoned(jiff::tz::TimeZone::fixed(offset)).strftime("%Y-%m-%d %H:%M:%S").to_string();
    for row in &rows {
        println!(
            "{}  {} → {}  中断 gap {}  {} → {}",
            row.device,
            local(row.from),
            local(row.to),
            human_duration(row.gap_ms),
            row.before_file,
            row.after_file
        );
        match &row.explanation {
            Some(note) => println!("    说明 explained: {}", note.explanation),
            None => println!(
                "    待说明 needs explanation: liuhen interruptions explain --before {} --after {} --officer BADGE --text …",
                row.before, row.after
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn interruption_rows(
    recordings: &[Recording],
    notes: Vec<InterruptionNote>,
    same_activity: SignedDuration,
    names: &Names,
) -> Vec<InterruptionRow> {
    let mut notes: HashMap<(MediaId, MediaId), InterruptionNote> =
        notes.into_iter().map(|note| ((note.before, note.after), note)).collect();
    let files: HashMap<MediaId, &str> =
        recordings.iter().map(|recording| (recording.media_id, recording.path_on_device.as_str())).collect();
    find_interruptions(recordings, same_activity)
        .into_iter()
        .map(|gap| InterruptionRow {
            device: names.serial(gap.device_id),
            before_file: files.get(&gap.before).copied().unwrap_or_default().to_owned(),
            after_file: files.get(&gap.after).copied().unwrap_or_default().to_owned(),
            explanation: notes.remove(&(gap.before, gap.after)),
            before: gap.before,
            after: gap.after,
            from: gap.from,
            to: gap.to,
            gap_ms: gap.gap_ms,
        })
        .collect()
}

async fn explain(instance: &Instance, before: &str, after: &str, badge: &str, text: &str) -> anyhow::Result<ExitCode> {
    let before: MediaId = before.parse()?;
    let after: MediaId = after.parse()?;
    let text = text.trim();
    if text.chars().count() < 4 {
        bail!("the explanation is too short to say why recording stopped; write what happened, e.g. 电池耗尽，更换电池后继续录像");
    }
    let officer = super::directory::officer_by_badge(instance, badge).await?;
    let recording = instance.store.recording(before).await?.with_context(|| format!("no registered recording has media id {before}"))?;
    let recordings = instance.store.recordings(&RecordingQuery { device: Some(recording.device_id), ..Default::default() }).await?;
    let gaps = find_interruptions(&recordings, instance.config.collection_limits()?.same_activity);
    let Some(gap) = gaps.iter().find(|gap| gap.before == before && gap.after == after) else {
        bail!("there is no interruption between {before} and {after}; `liuhen interruptions` lists them");
    };
    if instance.store.interruption_notes(Some(gap.device_id)).await?.iter().any(|note| note.before == before && note.after == after) {
        bail!("this interruption is already explained; explanations are kept as written and cannot be replaced");
    }
    let note = InterruptionNote {
        device_id: gap.device_id,
        before,
        after,
        explanation: text.to_owned(),
        officer_id: Some(officer.id),
        noted_by: console_actor(),
        noted_at: Timestamp::now(),
    };
    let draft = EntryDraft::new(note.noted_by.clone(), action::INTERRUPTION_EXPLAINED)
        .subject(before.subject())
        .subject(after.subject())
        .subject(officer.id.subject())
        .payload(serde_json::json!({ "explanation": note.explanation, "gap_ms": gap.gap_ms, "device": gap.device_id }));
    let receipt = instance.ledger.record(draft, vec![Mutation::NoteInterruption(note)]).await?;
    println!("已记录说明 explanation recorded (ledger entry {})", receipt.index);
    Ok(ExitCode::SUCCESS)
}

//! Registers (台账) and interruptions (中断说明).
//!
//! The offload register lists every file a workstation registered, with who
//! recorded it, on which device, when, where it was offloaded and whether
//! it plays; its rows come from `liuhen_collect::offload_register`, which
//! the API's `GET /api/v1/register/offload` shares. Interruptions are gaps inside one activity: each needs an
//! officer's explanation, recorded in the ledger once and never changed.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::tz::Offset;
use jiff::{SignedDuration, Timestamp};
use liuhen_collect::offload_register::{offload_rows, write_csv, RegisterSettings};
use liuhen_core::entity::Device;
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{DeviceId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::recording::{interruptions as find_interruptions, InterruptionNote, Recording};
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

/// Device serials for the interruption list.
struct Names {
    devices: HashMap<DeviceId, Device>,
}

impl Names {
    async fn load(instance: &Instance) -> anyhow::Result<Self> {
        Ok(Self { devices: instance.store.devices().await?.into_iter().map(|device| (device.id, device)).collect() })
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
        ..RecordingQuery::default()
    };
    let register = RegisterSettings { offset, offload_deadline: limits.offload_deadline };
    let rows = offload_rows(instance.store.as_ref(), &query, register).await?;

    if args.json {
        for row in &rows {
            println!("{}", serde_json::to_string(row)?);
        }
    } else if args.csv {
        let stdout = std::io::stdout();
        write_csv(&rows, offset, stdout.lock())?;
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
    Ok(liuhen_collect::offload_register::parse_bound(text, offset, upper)?)
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

//! `liuhen device register|history|check|fault|repaired|lost|recovered|assign|retire`:
//! the device register (设备台账) from the console.

use std::process::ExitCode;

use anyhow::Context;
use liuhen_compliance::devices::{self, DeviceRequest};
use liuhen_core::id::OfficerId;

use crate::cli::DeviceCommand;
use crate::instance::{console_actor, Instance};

pub async fn run(instance: &Instance, command: DeviceCommand) -> anyhow::Result<ExitCode> {
    let offset = instance.config.ingest.offset()?;
    let zone = offset.to_time_zone();
    let local = |time: jiff::Timestamp| time.to_zoned(zone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    let officers = instance.store.officers().await?;
    let name_of = |id: Option<OfficerId>| {
        id.and_then(|id| officers.iter().find(|officer| officer.id == id))
            .map_or("—".to_owned(), |officer| format!("{}（{}）", officer.name, officer.badge_no))
    };
    let (serial, request, at, note, officer) = match command {
        DeviceCommand::Register { json } => {
            let (lines, coverage) = devices::register(instance.store.as_ref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "devices": lines, "coverage": coverage }))?);
                return Ok(ExitCode::SUCCESS);
            }
            for line in &lines {
                let check = match line.state.last_check {
                    Some((at, true)) => format!("检查 {} 正常", local(at)),
                    Some((at, false)) => format!("检查 {} 异常", local(at)),
                    None => "未检查".to_owned(),
                };
                println!("{}\t{}\t{}\t{}", line.device.serial, line.state.status.label_zh(), name_of(line.state.officer_id), check);
            }
            let units = instance.store.units().await?;
            for officer in &coverage.officers_without_camera {
                println!("缺执法记录仪 no body camera: {}", name_of(Some(*officer)));
            }
            for unit in &coverage.units_without_workstation {
                println!(
                    "缺采集站 no workstation: {}",
                    units.iter().find(|known| known.id == *unit).map_or("—", |known| known.name.as_str())
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        DeviceCommand::History { serial, json } => {
            let device = devices::find_device(instance.store.as_ref(), &serial).await?;
            let events = instance.store.device_events(Some(device.id)).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&events)?);
                return Ok(ExitCode::SUCCESS);
            }
            let units = instance.store.units().await?;
            for event in &events {
                let what = match &event.kind {
                    liuhen_core::device::DeviceEventKind::Assigned { officer_id, unit_id } => {
                        let unit = unit_id.and_then(|id| units.iter().find(|unit| unit.id == id)).map_or("—", |unit| unit.name.as_str());
                        format!("{}：{}（{unit}）", event.kind.label_zh(), name_of(*officer_id))
                    }
                    kind => kind.label_zh().to_owned(),
                };
                println!("{:>3}. {}  {}  {}  {}", event.sequence + 1, local(event.at), what, name_of(event.officer_id), event.note);
            }
            return Ok(ExitCode::SUCCESS);
        }
        DeviceCommand::Check { serial, battery_low, storage_full, clock_off, officer, note } => {
            let request = DeviceRequest::Check { battery_ok: !battery_low, storage_ok: !storage_full, clock_ok: !clock_off };
            (serial, request, None, note, officer)
        }
        DeviceCommand::Fault { serial, note, officer } => (serial, DeviceRequest::Fault, None, note, officer),
        DeviceCommand::Repaired { serial, note } => (serial, DeviceRequest::Repaired, None, note, None),
        DeviceCommand::Lost { serial, stolen, at, note, officer } => {
            let at = match at {
                Some(text) => Some(
                    super::compliance::local_time(&text, offset)
                        .with_context(|| format!("--at {text} is not a time such as 2026-11-20 09:30"))?,
                ),
                None => None,
            };
            (serial, DeviceRequest::Lost { stolen }, at, note, officer)
        }
        DeviceCommand::Recovered { serial, note } => (serial, DeviceRequest::Recovered, None, note, None),
        DeviceCommand::Assign { serial, officer, unit, note } => (serial, DeviceRequest::Assign { officer, unit }, None, note, None),
        DeviceCommand::Retire { serial, note } => (serial, DeviceRequest::Retire, None, note, None),
        DeviceCommand::Add { .. } | DeviceCommand::Token { .. } | DeviceCommand::RevokeTokens { .. } | DeviceCommand::List => {
            unreachable!("handled by `directory::device`")
        }
    };
    let device = devices::find_device(instance.store.as_ref(), &serial).await?;
    let reporter = match officer {
        Some(badge) => Some(super::directory::officer_by_badge(instance, badge.trim()).await?.id),
        None => None,
    };
    let event = devices::record_device_event(&instance.ledger, device.id, request, at, &note, reporter, &console_actor()).await?;
    println!("已记录 recorded for {}: #{} {}", device.serial, event.sequence + 1, event.kind.label_zh());
    Ok(ExitCode::SUCCESS)
}

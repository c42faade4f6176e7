//! The device register (设备台账): assignments, checks before use, faults
//! and repairs, losses and retirement, recorded as `device.*` ledger
//! entries; the register with each device's state; and coverage (厦门 一).
//! `liuhen device …` and `/api/v1/devices/…` share it. Who may record
//! what is the caller's check; what may happen to a device is decided here
//! (`liuhen_core::device::check_event`).

use jiff::{SignedDuration, Timestamp};
use liuhen_core::device::{check_event, coverage, state, Coverage, DeviceEvent, DeviceEventKind, DeviceState};
use liuhen_core::entity::{Device, Officer};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{DeviceId, OfficerId};
use liuhen_core::mutation::Mutation;
use liuhen_ledger::{Ledger, LedgerError};
use liuhen_store::{MetaStore, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{check_text, find_officer, ComplianceError, Result};

/// What to record about a device, as a person gives it.
#[derive(Clone, Debug)]
pub enum DeviceRequest {
    /// Hand it to an officer (badge number) and unit (code or id); no
    /// officer: back in the unit's store. The unit defaults to the officer's.
    Assign {
        officer: Option<String>,
        unit: Option<String>,
    },
    Check {
        battery_ok: bool,
        storage_ok: bool,
        clock_ok: bool,
    },
    Fault,
    Repaired,
    Lost {
        stolen: bool,
    },
    Recovered,
    Retire,
}

/// Finds a device by serial number or id.
pub async fn find_device(store: &dyn MetaStore, reference: &str) -> Result<Device> {
    let reference = reference.trim();
    let devices = store.devices().await?;
    devices.into_iter().find(|device| device.serial == reference || device.id.to_string() == reference).ok_or_else(|| {
        ComplianceError::NotFound(format!("there is no device {reference}; give its serial number (产品序号) as registered"))
    })
}

/// How far ahead of the clock an event may be dated: none, bar clock skew.
const FUTURE_SLACK: SignedDuration = SignedDuration::from_mins(5);

/// Records one event of a device's life.
pub async fn record_device_event(
    ledger: &Ledger,
    device: DeviceId,
    request: DeviceRequest,
    at: Option<Timestamp>,
    note: &str,
    reporter: Option<OfficerId>,
    actor: &str,
) -> Result<DeviceEvent> {
    let store = ledger.store();
    let device = store
        .devices()
        .await?
        .into_iter()
        .find(|known| known.id == device)
        .ok_or_else(|| ComplianceError::NotFound(format!("there is no device {device}")))?;
    let history = store.device_events(Some(device.id)).await?;
    let now = Timestamp::now();
    let at = at.unwrap_or(now);
    if at > now + FUTURE_SLACK {
        return Err(ComplianceError::Invalid(format!("{at} is in the future; record what has happened")));
    }
    let note = check_text("the note", note)?;
    let kind = match request {
        DeviceRequest::Assign { officer, unit } => {
            let officer: Option<Officer> = match officer.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                Some(badge) => Some(find_officer(store.as_ref(), badge).await?),
                None => None,
            };
            let unit = match unit.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
                Some(text) => Some(
                    store
                        .units()
                        .await?
                        .into_iter()
                        .find(|unit| unit.code == text || unit.id.to_string() == text)
                        .ok_or_else(|| ComplianceError::NotFound(format!("there is no unit {text}; give a unit code (单位编号)")))?
                        .id,
                ),
                None => officer.as_ref().map(|officer| officer.unit_id).or(device.unit_id),
            };
            DeviceEventKind::Assigned { officer_id: officer.map(|officer| officer.id), unit_id: unit }
        }
        DeviceRequest::Check { battery_ok, storage_ok, clock_ok } => DeviceEventKind::Checked { battery_ok, storage_ok, clock_ok },
        DeviceRequest::Fault => DeviceEventKind::Fault,
        DeviceRequest::Repaired => DeviceEventKind::Repaired,
        DeviceRequest::Lost { stolen } => DeviceEventKind::Lost { stolen },
        DeviceRequest::Recovered => DeviceEventKind::Recovered,
        DeviceRequest::Retire => DeviceEventKind::Retired,
    };
    if note.is_empty() {
        let needed = match &kind {
            DeviceEventKind::Fault => Some("say what is wrong with it (故障情况)"),
            DeviceEventKind::Lost { .. } => Some("say when and where it was lost (丢失经过)"),
            DeviceEventKind::Retired => Some("say why it is retired (报废原因)"),
            _ if kind.check_failed() => Some("say what the check found (检查情况)"),
            _ => None,
        };
        if let Some(needed) = needed {
            return Err(ComplianceError::Invalid(needed.into()));
        }
    }
    let before = state(&device, &history);
    check_event(&device, &before, &kind).map_err(|refused| ComplianceError::Invalid(refused.0))?;
    let event = DeviceEvent {
        device_id: device.id,
        sequence: history.len() as u32,
        kind,
        at,
        note,
        officer_id: reporter,
        recorded_at: now,
        recorded_by: actor.to_owned(),
    };
    let mut draft = EntryDraft::new(actor, event.kind.action()).subject(device.id.subject());
    if let DeviceEventKind::Assigned { officer_id: Some(officer), .. } = &event.kind {
        draft = draft.subject(officer.subject());
    }
    let draft = draft.payload(serde_json::json!({
        "sequence": event.sequence,
        "event": event.kind,
        "at": event.at,
        "officer_id": event.officer_id,
        "note_sha256": hex::encode(Sha256::digest(event.note.as_bytes())),
    }));
    ledger.record(draft, vec![Mutation::RecordDeviceEvent(Box::new(event.clone()))]).await.map_err(|error| match error {
        LedgerError::Store(StoreError::Conflict(_)) => {
            ComplianceError::Invalid("something was recorded for this device meanwhile; read its register and try again".into())
        }
        other => other.into(),
    })?;
    Ok(event)
}

/// One line of the device register.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterLine {
    pub device: Device,
    pub state: DeviceState,
    pub events: u32,
    pub last_event: Option<DeviceEvent>,
}

/// Every device with its state, by serial number.
pub async fn register(store: &dyn MetaStore) -> Result<(Vec<RegisterLine>, Coverage)> {
    let mut devices = store.devices().await?;
    devices.sort_by(|a, b| a.serial.cmp(&b.serial));
    let events = store.device_events(None).await?;
    let lines = devices
        .iter()
        .map(|device| {
            let own: Vec<DeviceEvent> = events.iter().filter(|event| event.device_id == device.id).cloned().collect();
            RegisterLine { device: device.clone(), state: state(device, &own), events: own.len() as u32, last_event: own.last().cloned() }
        })
        .collect();
    let covered = coverage(&store.units().await?, &store.officers().await?, &devices, &events);
    Ok((lines, covered))
}

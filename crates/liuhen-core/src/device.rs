//! The device register (设备台账): what happens to each body camera and
//! workstation after it is registered, and who holds it.
//!
//! The regulations ask that devices be equipped and assigned — one camera
//! per front-line officer, at least one collection workstation per squad
//! (厦门 一) — and that someone answers for each (谁使用、谁保管、谁负责). They
//! ask that devices be checked before use for battery, storage and clock
//! (丰台 第十七条; 叶县 第二十条; 汶上 第六条（四）) and taken out of use and
//! repaired when faulty (叶县 第二十一条), and that a loss be reported. Each
//! of these is a [`DeviceEvent`], numbered per device and only added; a
//! device's status and holder follow from its events ([`state`]).

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::entity::{Device, DeviceKind, Officer, OfficerRole, Unit};
use crate::id::{DeviceId, OfficerId, UnitId};

/// What happened to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeviceEventKind {
    /// 配发 / 调配: the officer who uses and keeps it and the unit that
    /// answers for it, from now on. `None` officer: back in the unit's store.
    Assigned { officer_id: Option<OfficerId>, unit_id: Option<UnitId> },
    /// 使用前检查: battery, storage and clock checked before use.
    Checked { battery_ok: bool, storage_ok: bool, clock_ok: bool },
    /// 故障报告: taken out of use (叶县 第二十一条).
    Fault,
    /// 维修完成: back in use after repair.
    Repaired,
    /// 丢失 or 被盗 reported.
    Lost { stolen: bool },
    /// Found again after a loss.
    Recovered,
    /// 报废: out of use for good.
    Retired,
}

impl DeviceEventKind {
    pub fn label_zh(&self) -> &'static str {
        match self {
            DeviceEventKind::Assigned { officer_id: Some(_), .. } => "配发",
            DeviceEventKind::Assigned { officer_id: None, .. } => "收回",
            DeviceEventKind::Checked { .. } if self.check_failed() => "使用前检查（异常）",
            DeviceEventKind::Checked { .. } => "使用前检查",
            DeviceEventKind::Fault => "故障报告",
            DeviceEventKind::Repaired => "维修完成",
            DeviceEventKind::Lost { stolen: true } => "被盗报告",
            DeviceEventKind::Lost { stolen: false } => "丢失报告",
            DeviceEventKind::Recovered => "找回",
            DeviceEventKind::Retired => "报废",
        }
    }

    /// The ledger action that records it.
    pub fn action(&self) -> &'static str {
        use crate::mutation::action;
        match self {
            DeviceEventKind::Assigned { .. } => action::DEVICE_ASSIGNED,
            DeviceEventKind::Checked { .. } => action::DEVICE_CHECKED,
            DeviceEventKind::Fault => action::DEVICE_FAULT,
            DeviceEventKind::Repaired => action::DEVICE_REPAIRED,
            DeviceEventKind::Lost { .. } => action::DEVICE_LOST,
            DeviceEventKind::Recovered => action::DEVICE_RECOVERED,
            DeviceEventKind::Retired => action::DEVICE_RETIRED,
        }
    }

    /// A pre-use check that found something wrong.
    pub fn check_failed(&self) -> bool {
        matches!(self, DeviceEventKind::Checked { battery_ok, storage_ok, clock_ok } if !(*battery_ok && *storage_ok && *clock_ok))
    }
}

/// One event of a device's life, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceEvent {
    pub device_id: DeviceId,
    /// 0, 1, 2, … over the device's events.
    pub sequence: u32,
    pub kind: DeviceEventKind,
    /// When it happened (a loss may be reported after it).
    pub at: Timestamp,
    /// What was found, what broke, where it was lost.
    pub note: String,
    /// The officer who checked it, reported it or handed it over.
    pub officer_id: Option<OfficerId>,
    pub recorded_at: Timestamp,
    pub recorded_by: String,
}

/// Where a device stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// 在用.
    InService,
    /// 故障停用.
    Faulty,
    /// 丢失.
    Lost,
    /// 报废.
    Retired,
}

impl DeviceStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            DeviceStatus::InService => "在用",
            DeviceStatus::Faulty => "故障停用",
            DeviceStatus::Lost => "丢失",
            DeviceStatus::Retired => "报废",
        }
    }
}

/// A device as its events leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeviceState {
    pub status: DeviceStatus,
    pub officer_id: Option<OfficerId>,
    pub unit_id: Option<UnitId>,
    /// The last pre-use check, and whether it found everything in order.
    pub last_check: Option<(Timestamp, bool)>,
}

/// The state of `device` after `events` (its own, in sequence order).
pub fn state(device: &Device, events: &[DeviceEvent]) -> DeviceState {
    let mut state =
        DeviceState { status: DeviceStatus::InService, officer_id: device.assigned_officer, unit_id: device.unit_id, last_check: None };
    // The store keeps the register row at the latest assignment, so
    // replaying the assignments gives the holder it already names.
    for event in events.iter().filter(|event| event.device_id == device.id) {
        match &event.kind {
            DeviceEventKind::Assigned { officer_id, unit_id } => {
                state.officer_id = *officer_id;
                state.unit_id = *unit_id;
            }
            DeviceEventKind::Checked { .. } => state.last_check = Some((event.at, !event.kind.check_failed())),
            DeviceEventKind::Fault => state.status = DeviceStatus::Faulty,
            DeviceEventKind::Repaired | DeviceEventKind::Recovered => state.status = DeviceStatus::InService,
            DeviceEventKind::Lost { .. } => state.status = DeviceStatus::Lost,
            DeviceEventKind::Retired => state.status = DeviceStatus::Retired,
        }
    }
    state
}

/// Why an event cannot be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeviceRefused(pub String);

/// Whether `kind` may happen to a device standing at `state`.
pub fn check_event(device: &Device, state: &DeviceState, kind: &DeviceEventKind) -> Result<(), DeviceRefused> {
    let serial = &device.serial;
    let refuse = |text: String| Err(DeviceRefused(text));
    match (state.status, kind) {
        (DeviceStatus::Retired, _) => refuse(format!("{serial} was retired (报废); nothing more is recorded for it")),
        (DeviceStatus::InService, DeviceEventKind::Repaired) => refuse(format!("{serial} is in service; only a faulty device is repaired")),
        (status, DeviceEventKind::Recovered) if status != DeviceStatus::Lost => {
            refuse(format!("{serial} was not reported lost; only a lost device is recovered"))
        }
        (
            DeviceStatus::Lost,
            DeviceEventKind::Checked { .. } | DeviceEventKind::Fault | DeviceEventKind::Repaired | DeviceEventKind::Lost { .. },
        ) => refuse(format!("{serial} is reported lost; record that it was found (找回) first")),
        (DeviceStatus::Faulty, DeviceEventKind::Fault) => {
            refuse(format!("{serial} is already reported faulty; record the repair when it is done"))
        }
        (DeviceStatus::Faulty, DeviceEventKind::Checked { .. }) => {
            refuse(format!("{serial} is out of use until repaired (叶县 第二十一条); record the repair first"))
        }
        _ => Ok(()),
    }
}

/// What the agency is short of (厦门 一): front-line officers with no body
/// camera in service, squads with no collection workstation in service,
/// and devices out of use.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub officers_without_camera: Vec<OfficerId>,
    pub units_without_workstation: Vec<UnitId>,
    pub out_of_service: Vec<(DeviceId, DeviceStatus)>,
    pub cameras_in_service: u32,
    pub workstations_in_service: u32,
}

/// Coverage of the directory by the devices in service. A unit with
/// front-line officers of its own is a squad and needs a workstation.
pub fn coverage(units: &[Unit], officers: &[Officer], devices: &[Device], events: &[DeviceEvent]) -> Coverage {
    let mut result = Coverage::default();
    let mut covered_officers = BTreeSet::new();
    let mut covered_units = BTreeSet::new();
    for device in devices {
        let of_device: Vec<DeviceEvent> = events.iter().filter(|event| event.device_id == device.id).cloned().collect();
        let state = state(device, &of_device);
        if state.status != DeviceStatus::InService {
            result.out_of_service.push((device.id, state.status));
            continue;
        }
        match device.kind {
            DeviceKind::BodyCamera => {
                result.cameras_in_service += 1;
                covered_officers.extend(state.officer_id);
            }
            DeviceKind::Workstation => {
                result.workstations_in_service += 1;
                covered_units.extend(state.unit_id);
            }
            DeviceKind::Other => {}
        }
    }
    result.officers_without_camera = officers
        .iter()
        .filter(|officer| officer.role == OfficerRole::FrontLine && !covered_officers.contains(&officer.id))
        .map(|officer| officer.id)
        .collect();
    result.units_without_workstation = units
        .iter()
        .filter(|unit| officers.iter().any(|officer| officer.unit_id == unit.id && officer.role == OfficerRole::FrontLine))
        .filter(|unit| !covered_units.contains(&unit.id))
        .map(|unit| unit.id)
        .collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Qualification;
    use crate::id::AgencyId;

    fn event(device: &Device, sequence: u32, kind: DeviceEventKind) -> DeviceEvent {
        DeviceEvent {
            device_id: device.id,
            sequence,
            kind,
            at: Timestamp::from_second(1_795_000_000 + i64::from(sequence)).unwrap(),
            note: String::new(),
            officer_id: None,
            recorded_at: Timestamp::from_second(1_795_000_000).unwrap(),
            recorded_by: "test".into(),
        }
    }

    fn world() -> (Vec<Unit>, Vec<Officer>, Vec<Device>) {
        let agency = AgencyId::new();
        let unit = |name: &str, parent: Option<UnitId>| Unit {
            id: UnitId::new(),
            agency_id: agency,
            parent_id: parent,
            name: name.into(),
            code: name.into(),
        };
        let brigade = unit("大队", None);
        let squad = unit("一中队", Some(brigade.id));
        let other = unit("二中队", Some(brigade.id));
        let officer = |name: &str, unit: &Unit, role: OfficerRole| Officer {
            id: OfficerId::new(),
            agency_id: agency,
            unit_id: unit.id,
            name: name.into(),
            certificate_no: None,
            badge_no: name.into(),
            role,
            qualification: Qualification::Officer,
        };
        let officers = vec![
            officer("张伟", &squad, OfficerRole::FrontLine),
            officer("李娜", &squad, OfficerRole::FrontLine),
            officer("王强", &brigade, OfficerRole::Leader),
            officer("刘洋", &other, OfficerRole::FrontLine),
        ];
        let device = |serial: &str, kind: DeviceKind, officer: Option<OfficerId>, unit: UnitId| Device {
            id: DeviceId::new(),
            agency_id: agency,
            serial: serial.into(),
            kind,
            model: None,
            assigned_officer: officer,
            unit_id: Some(unit),
        };
        let devices = vec![
            device("DSJ-1", DeviceKind::BodyCamera, Some(officers[0].id), squad.id),
            device("DSJ-2", DeviceKind::BodyCamera, Some(officers[1].id), squad.id),
            device("CJZ-1", DeviceKind::Workstation, None, squad.id),
        ];
        (vec![brigade, squad, other], officers, devices)
    }

    #[test]
    fn coverage_names_officers_without_a_camera_and_squads_without_a_workstation() {
        let (units, officers, devices) = world();
        let coverage = coverage(&units, &officers, &devices, &[]);
        assert_eq!(coverage.officers_without_camera, [officers[3].id], "the leader needs no camera; 刘洋 has none");
        assert_eq!(coverage.units_without_workstation, [units[2].id], "the brigade has no front-line officers of its own");
        assert_eq!((coverage.cameras_in_service, coverage.workstations_in_service), (2, 1));

        let lost = [event(&devices[1], 0, DeviceEventKind::Lost { stolen: false })];
        let coverage = super::coverage(&units, &officers, &devices, &lost);
        assert_eq!(coverage.officers_without_camera, [officers[1].id, officers[3].id], "a lost camera covers no one");
        assert_eq!(coverage.out_of_service, [(devices[1].id, DeviceStatus::Lost)]);

        let moved = [event(&devices[0], 0, DeviceEventKind::Assigned { officer_id: Some(officers[3].id), unit_id: Some(units[2].id) })];
        let coverage = super::coverage(&units, &officers, &devices, &moved);
        assert_eq!(coverage.officers_without_camera, [officers[0].id], "the camera went to 刘洋");
    }

    #[test]
    fn a_device_goes_out_of_use_and_back_only_in_order() {
        let (_, officers, devices) = world();
        let camera = &devices[0];
        let mut events = Vec::new();
        let mut record = |kind: DeviceEventKind| -> Result<DeviceState, DeviceRefused> {
            let now = state(camera, &events);
            check_event(camera, &now, &kind)?;
            events.push(event(camera, events.len() as u32, kind));
            Ok(state(camera, &events))
        };
        assert!(record(DeviceEventKind::Repaired).unwrap_err().0.contains("only a faulty device"));
        let checked = record(DeviceEventKind::Checked { battery_ok: false, storage_ok: true, clock_ok: true }).unwrap();
        assert_eq!(checked.last_check.map(|(_, ok)| ok), Some(false));
        assert_eq!(record(DeviceEventKind::Fault).unwrap().status, DeviceStatus::Faulty);
        assert!(record(DeviceEventKind::Checked { battery_ok: true, storage_ok: true, clock_ok: true })
            .unwrap_err()
            .0
            .contains("第二十一条"));
        assert!(record(DeviceEventKind::Fault).unwrap_err().0.contains("already"));
        assert_eq!(record(DeviceEventKind::Repaired).unwrap().status, DeviceStatus::InService);
        assert!(record(DeviceEventKind::Recovered).unwrap_err().0.contains("not reported lost"));
        assert_eq!(record(DeviceEventKind::Lost { stolen: true }).unwrap().status, DeviceStatus::Lost);
        assert!(record(DeviceEventKind::Fault).unwrap_err().0.contains("found"));
        assert_eq!(record(DeviceEventKind::Recovered).unwrap().status, DeviceStatus::InService);
        let handed = record(DeviceEventKind::Assigned { officer_id: Some(officers[1].id), unit_id: camera.unit_id }).unwrap();
        assert_eq!(handed.officer_id, Some(officers[1].id));
        assert_eq!(record(DeviceEventKind::Retired).unwrap().status, DeviceStatus::Retired);
        assert!(record(DeviceEventKind::Assigned { officer_id: None, unit_id: None }).unwrap_err().0.contains("retired"));
    }
}

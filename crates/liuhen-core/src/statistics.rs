//! Statistics and the periodic report (统计分析, 通报): what the recorded
//! facts say about each unit and officer over a period, so weak points show
//! (丰台 第三十条) and device use can be reported and tied to evaluation
//! (叶县 第二十三条; 厦门 六（四）).
//!
//! [`periodic`] is a pure function of the facts, the pack in force, the
//! period and the time it is computed at. Each figure is counted once, for
//! the officer it concerns and that officer's unit:
//!
//! - **a recording** counts in the period its corrected start (else its
//!   offload) falls in, for its officer (else for the device's unit);
//! - **offload delay**: from its end to its offload; late past the pack's
//!   `offload_deadline`;
//! - **link delay**: from its end to its first link to a case or label;
//!   late past the pack's `link_deadline` (48 h without one); a recording
//!   still unlinked past it counts as overdue;
//! - **an interruption** counts in the period it began, for the officer of
//!   the recording before it; explained by a note or a duty log entry;
//! - **a finding** counts in the period it was raised, for its officer and
//!   unit; open if not resolved when the report is made;
//! - **a spot-check review** counts in the period it was made, for the
//!   officer who made the record or leads the case; only the latest review
//!   of an item counts;
//! - **devices**: checks before use, failed checks, faults and losses in
//!   the period, and coverage (厦门 一) as the report is made;
//! - **access requests** filed in the period and what became of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::access::AccessFile;
use crate::case::{Case, RecordingLink};
use crate::compliance::StoredFinding;
use crate::device::{coverage, Coverage, DeviceEvent, DeviceEventKind};
use crate::entity::{Device, Officer, Unit};
use crate::id::{CaseId, DeviceId, MediaId, OfficerId, UnitId};
use crate::pack::{Check, PolicyPack};
use crate::recording::{interruptions, CollectionLimits, DutyLogEntry, InterruptionNote, Recording, RecordingLabel};
use crate::regulation::Citation;
use crate::supervision::{latest_reviews, Sampled, SpotCheckReview};

/// The link deadline when the pack sets none (厦门 五).
const DEFAULT_LINK_DEADLINE: SignedDuration = SignedDuration::from_hours(48);

/// The figures of one officer, one unit or the whole scope.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    /// AV records (音像记录) and their length in seconds.
    pub recordings: u32,
    pub recorded_seconds: f64,
    /// Records whose end is known, so their offload delay is.
    pub offload_timed: u32,
    pub offload_hours: f64,
    pub offloaded_late: u32,
    /// Records linked to a case or labelled, and how long it took.
    pub linked: u32,
    pub link_hours: f64,
    pub linked_late: u32,
    /// Not linked or labelled, and past the link deadline now.
    pub unlinked_overdue: u32,
    pub interruptions: u32,
    pub interruptions_explained: u32,
    pub findings: u32,
    pub findings_open: u32,
    /// Spot-check items reviewed, and their points.
    pub spot_checks: u32,
    pub spot_check_earned: u32,
    pub spot_check_possible: u32,
}

impl Tally {
    /// Mean offload delay in hours, where any.
    pub fn mean_offload_hours(&self) -> Option<f64> {
        (self.offload_timed > 0).then(|| self.offload_hours / f64::from(self.offload_timed))
    }

    /// Mean link delay in hours, where any.
    pub fn mean_link_hours(&self) -> Option<f64> {
        (self.linked > 0).then(|| self.link_hours / f64::from(self.linked))
    }

    /// The spot-check score out of 100 over every item reviewed.
    pub fn spot_check_score(&self) -> Option<f64> {
        (self.spot_checks > 0).then(|| {
            if self.spot_check_possible == 0 {
                100.0
            } else {
                f64::from(self.spot_check_earned) * 100.0 / f64::from(self.spot_check_possible)
            }
        })
    }

    fn add(&mut self, other: &Tally) {
        self.recordings += other.recordings;
        self.recorded_seconds += other.recorded_seconds;
        self.offload_timed += other.offload_timed;
        self.offload_hours += other.offload_hours;
        self.offloaded_late += other.offloaded_late;
        self.linked += other.linked;
        self.link_hours += other.link_hours;
        self.linked_late += other.linked_late;
        self.unlinked_overdue += other.unlinked_overdue;
        self.interruptions += other.interruptions;
        self.interruptions_explained += other.interruptions_explained;
        self.findings += other.findings;
        self.findings_open += other.findings_open;
        self.spot_checks += other.spot_checks;
        self.spot_check_earned += other.spot_check_earned;
        self.spot_check_possible += other.spot_check_possible;
    }
}

/// A unit's line: its own officers' figures (and its devices' records
/// without an officer), not those of the units under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitLine {
    pub unit_id: UnitId,
    pub name: String,
    pub tally: Tally,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OfficerLine {
    pub officer_id: OfficerId,
    pub name: String,
    pub badge_no: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub tally: Tally,
}

/// Findings of one rule in the period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleLine {
    pub rule_id: String,
    pub description: String,
    pub source: Citation,
    pub findings: u32,
    pub open: u32,
}

/// Device use in the period and coverage now.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeviceFigures {
    pub checks: u32,
    pub failed_checks: u32,
    pub faults: u32,
    pub losses: u32,
    pub coverage: Coverage,
    /// Names for the coverage lists.
    pub officers_without_camera: Vec<String>,
    pub units_without_workstation: Vec<String>,
}

/// Access requests (调阅申请) filed in the period.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccessFigures {
    pub requests: u32,
    pub approved: u32,
    pub refused: u32,
    pub pending: u32,
}

/// The periodic report (通报).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodicReport {
    /// The unit reported on, or `None` for the whole agency.
    pub unit_id: Option<UnitId>,
    pub scope: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub made_at: Timestamp,
    pub pack_id: String,
    pub pack_version: String,
    pub totals: Tally,
    pub units: Vec<UnitLine>,
    pub officers: Vec<OfficerLine>,
    pub rules: Vec<RuleLine>,
    pub devices: DeviceFigures,
    pub access: AccessFigures,
}

/// What [`periodic`] reads.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    pub units: &'a [Unit],
    pub officers: &'a [Officer],
    pub devices: &'a [Device],
    pub device_events: &'a [DeviceEvent],
    pub recordings: &'a [Recording],
    pub links: &'a [RecordingLink],
    pub labels: &'a [RecordingLabel],
    pub interruption_notes: &'a [InterruptionNote],
    pub duty_log: &'a [DutyLogEntry],
    pub cases: &'a [Case],
    pub findings: &'a [StoredFinding],
    pub spot_check_reviews: &'a [SpotCheckReview],
    pub access: &'a [AccessFile],
}

/// What the report covers.
#[derive(Clone, Debug)]
pub struct Scope {
    /// The unit reported on (with the units under it), or the agency.
    pub unit: Option<UnitId>,
    pub scope_name: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub now: Timestamp,
}

/// The units under `root`, and `root`.
pub fn subtree(units: &[Unit], root: UnitId) -> BTreeSet<UnitId> {
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for unit in units {
            if unit.parent_id.is_some_and(|parent| found.contains(&parent)) {
                found.insert(unit.id);
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

/// Computes the periodic report.
pub fn periodic(pack: &PolicyPack, facts: &Facts<'_>, scope: &Scope) -> PeriodicReport {
    let in_period = |time: Timestamp| scope.from <= time && time < scope.to;
    let units: BTreeSet<UnitId> = match scope.unit {
        Some(root) => subtree(facts.units, root),
        None => facts.units.iter().map(|unit| unit.id).collect(),
    };
    let officer_unit: HashMap<OfficerId, UnitId> = facts.officers.iter().map(|officer| (officer.id, officer.unit_id)).collect();
    let device_unit: HashMap<DeviceId, Option<UnitId>> = facts.devices.iter().map(|device| (device.id, device.unit_id)).collect();
    let limits = CollectionLimits::DEFAULT.under(pack);
    let link_deadline = pack
        .rules
        .iter()
        .find_map(|rule| match rule.check {
            Check::LinkDeadline { within } => Some(within),
            _ => None,
        })
        .unwrap_or(DEFAULT_LINK_DEADLINE);

    // Who a fact is about: (officer, unit), kept only inside the scope.
    let mut by_officer: BTreeMap<OfficerId, Tally> = BTreeMap::new();
    let mut unit_only: BTreeMap<UnitId, Tally> = BTreeMap::new();
    let mut count = |officer: Option<OfficerId>, unit: Option<UnitId>, apply: &dyn Fn(&mut Tally)| {
        let unit = officer.and_then(|id| officer_unit.get(&id).copied()).or(unit);
        let Some(unit) = unit.filter(|unit| units.contains(unit)) else { return };
        match officer.filter(|id| officer_unit.contains_key(id)) {
            Some(officer) => apply(by_officer.entry(officer).or_default()),
            None => apply(unit_only.entry(unit).or_default()),
        }
    };

    let mut first_link: HashMap<MediaId, Timestamp> = HashMap::new();
    for time in facts
        .links
        .iter()
        .map(|link| (link.media_id, link.linked_at))
        .chain(facts.labels.iter().map(|label| (label.media_id, label.labeled_at)))
    {
        let entry = first_link.entry(time.0).or_insert(time.1);
        *entry = (*entry).min(time.1);
    }
    let hours = |duration: SignedDuration| duration.as_secs_f64() / 3600.0;
    for recording in facts.recordings {
        let when = recording.corrected_start.unwrap_or(recording.ingested_at);
        if !in_period(when) {
            continue;
        }
        let unit = device_unit.get(&recording.device_id).copied().flatten();
        let end = recording.corrected_end.or(recording.corrected_start);
        let seconds = match (recording.probe.duration_ms, recording.corrected_start, recording.corrected_end) {
            (Some(ms), _, _) => ms as f64 / 1000.0,
            (None, Some(start), Some(end)) => end.duration_since(start).as_secs_f64().max(0.0),
            _ => 0.0,
        };
        let offload = end.map(|end| recording.ingested_at.duration_since(end));
        let linked = first_link.get(&recording.media_id).copied();
        let link_end = end.unwrap_or(recording.ingested_at);
        count(recording.officer_id, unit, &|tally| {
            tally.recordings += 1;
            tally.recorded_seconds += seconds;
            if let Some(offload) = offload {
                tally.offload_timed += 1;
                tally.offload_hours += hours(offload.max(SignedDuration::ZERO));
                if offload > limits.offload_deadline {
                    tally.offloaded_late += 1;
                }
            }
            match linked {
                Some(at) => {
                    let waited = at.duration_since(link_end).max(SignedDuration::ZERO);
                    tally.linked += 1;
                    tally.link_hours += hours(waited);
                    if waited > link_deadline {
                        tally.linked_late += 1;
                    }
                }
                None if scope.now.duration_since(link_end) > link_deadline => tally.unlinked_overdue += 1,
                None => {}
            }
        });
    }

    let recording_of: HashMap<MediaId, &Recording> = facts.recordings.iter().map(|recording| (recording.media_id, recording)).collect();
    for gap in interruptions(facts.recordings, limits.same_activity) {
        if !in_period(gap.from) {
            continue;
        }
        let before = recording_of.get(&gap.before);
        let officer = before.and_then(|recording| recording.officer_id);
        let noted = facts.interruption_notes.iter().any(|note| note.before == gap.before && note.after == gap.after);
        let logged = officer.is_some_and(|officer| facts.duty_log.iter().any(|entry| entry.covers(officer, gap.from, gap.to)));
        let unit = device_unit.get(&gap.device_id).copied().flatten();
        count(officer, unit, &|tally| {
            tally.interruptions += 1;
            if noted || logged {
                tally.interruptions_explained += 1;
            }
        });
    }

    let mut rules: BTreeMap<String, RuleLine> = BTreeMap::new();
    for stored in facts.findings.iter().filter(|stored| in_period(stored.raised_at)) {
        let finding = &stored.finding;
        let open = stored.resolution.as_ref().is_none_or(|resolution| resolution.at > scope.now);
        let unit = finding.officer_id.and_then(|id| officer_unit.get(&id).copied()).or(finding.unit_id);
        if !unit.is_some_and(|unit| units.contains(&unit)) {
            continue;
        }
        count(finding.officer_id, finding.unit_id, &|tally| {
            tally.findings += 1;
            if open {
                tally.findings_open += 1;
            }
        });
        let line = rules.entry(finding.rule_id.clone()).or_insert_with(|| RuleLine {
            rule_id: finding.rule_id.clone(),
            description: finding.description.clone(),
            source: finding.source.clone(),
            findings: 0,
            open: 0,
        });
        line.findings += 1;
        if open {
            line.open += 1;
        }
    }

    let case_of: HashMap<CaseId, &Case> = facts.cases.iter().map(|case| (case.id, case)).collect();
    let in_time: Vec<SpotCheckReview> = facts.spot_check_reviews.iter().filter(|review| in_period(review.reviewed_at)).cloned().collect();
    for (subject, review) in latest_reviews(&in_time) {
        let (officer, unit) = match subject {
            Sampled::Recording(media) => match recording_of.get(&media) {
                Some(recording) => (recording.officer_id, device_unit.get(&recording.device_id).copied().flatten()),
                None => (None, None),
            },
            Sampled::Case(case) => match case_of.get(&case) {
                Some(case) => (Some(case.lead_officer), Some(case.unit_id)),
                None => (None, None),
            },
        };
        let score = review.score();
        count(officer, unit, &|tally| {
            tally.spot_checks += 1;
            tally.spot_check_earned += score.earned;
            tally.spot_check_possible += score.possible;
        });
    }

    let mut devices = DeviceFigures::default();
    let in_scope_device =
        |device: &DeviceId| device_unit.get(device).copied().flatten().is_some_and(|unit| units.contains(&unit)) || scope.unit.is_none();
    for event in facts.device_events.iter().filter(|event| in_period(event.at) && in_scope_device(&event.device_id)) {
        match &event.kind {
            DeviceEventKind::Checked { .. } => {
                devices.checks += 1;
                if event.kind.check_failed() {
                    devices.failed_checks += 1;
                }
            }
            DeviceEventKind::Fault => devices.faults += 1,
            DeviceEventKind::Lost { .. } => devices.losses += 1,
            _ => {}
        }
    }
    let scoped_units: Vec<Unit> = facts.units.iter().filter(|unit| units.contains(&unit.id)).cloned().collect();
    let scoped_officers: Vec<Officer> = facts.officers.iter().filter(|officer| units.contains(&officer.unit_id)).cloned().collect();
    devices.coverage = coverage(&scoped_units, &scoped_officers, facts.devices, facts.device_events);
    devices.officers_without_camera = devices
        .coverage
        .officers_without_camera
        .iter()
        .filter_map(|id| facts.officers.iter().find(|officer| officer.id == *id))
        .map(|officer| format!("{}（{}）", officer.name, officer.badge_no))
        .collect();
    devices.units_without_workstation = devices
        .coverage
        .units_without_workstation
        .iter()
        .filter_map(|id| facts.units.iter().find(|unit| unit.id == *id))
        .map(|unit| unit.name.clone())
        .collect();

    // Access requests: every request when the agency is reported on; for a
    // unit, those naming a record or case of the unit is not knowable from
    // the request alone, so they are counted for the agency only.
    let mut access = AccessFigures::default();
    if scope.unit.is_none() {
        for file in facts.access.iter().filter(|file| in_period(file.request.requested_at)) {
            access.requests += 1;
            match &file.decision {
                None => access.pending += 1,
                Some(decision) if decision.approved => access.approved += 1,
                Some(_) => access.refused += 1,
            }
        }
    }

    let unit_name = |id: UnitId| facts.units.iter().find(|unit| unit.id == id).map_or_else(String::new, |unit| unit.name.clone());
    let mut officers: Vec<OfficerLine> = facts
        .officers
        .iter()
        .filter(|officer| units.contains(&officer.unit_id))
        .map(|officer| OfficerLine {
            officer_id: officer.id,
            name: officer.name.clone(),
            badge_no: officer.badge_no.clone(),
            unit_id: officer.unit_id,
            unit_name: unit_name(officer.unit_id),
            tally: by_officer.get(&officer.id).cloned().unwrap_or_default(),
        })
        .collect();
    officers.sort_by(|a, b| (a.unit_name.as_str(), a.badge_no.as_str()).cmp(&(b.unit_name.as_str(), b.badge_no.as_str())));
    let mut unit_lines: Vec<UnitLine> = facts
        .units
        .iter()
        .filter(|unit| units.contains(&unit.id))
        .map(|unit| {
            let mut tally = unit_only.get(&unit.id).cloned().unwrap_or_default();
            for line in officers.iter().filter(|line| line.unit_id == unit.id) {
                tally.add(&line.tally);
            }
            UnitLine { unit_id: unit.id, name: unit.name.clone(), tally }
        })
        .collect();
    unit_lines.sort_by(|a, b| a.name.cmp(&b.name));
    let mut totals = Tally::default();
    for line in &unit_lines {
        totals.add(&line.tally);
    }
    let mut rules: Vec<RuleLine> = rules.into_values().collect();
    rules.sort_by(|a, b| b.findings.cmp(&a.findings).then_with(|| a.rule_id.cmp(&b.rule_id)));
    PeriodicReport {
        unit_id: scope.unit,
        scope: scope.scope_name.clone(),
        from: scope.from,
        to: scope.to,
        made_at: scope.now,
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
        totals,
        units: unit_lines,
        officers,
        rules,
        devices,
        access,
    }
}

#[cfg(test)]
mod tests;

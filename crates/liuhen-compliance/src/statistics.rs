//! Statistics and the periodic report (通报, 叶县 第二十三条; 丰台 第三十条;
//! 厦门 六（四）): loads the facts and hands them to
//! `liuhen_core::statistics::periodic`. `liuhen report periodic` and
//! `/api/v1/reports/periodic` share it.

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::Timestamp;
use liuhen_core::case::{Case, RecordingLink};
use liuhen_core::id::UnitId;
use liuhen_core::pack::PolicyPack;
use liuhen_core::statistics::{periodic, Facts, PeriodicReport, Scope};
use liuhen_store::{FindingQuery, MetaStore};

use crate::{load_facts, ComplianceError, Result};

/// The periodic report of a unit (and the units under it), or of the
/// agency, over the local days `from` to `to`, both included.
pub async fn periodic_report(
    store: &dyn MetaStore,
    pack: &PolicyPack,
    unit: Option<UnitId>,
    from: Date,
    to: Date,
    offset: Offset,
) -> Result<PeriodicReport> {
    if to < from {
        return Err(ComplianceError::Invalid(format!("the period ends ({to}) before it starts ({from}); give the first day first")));
    }
    let zone = offset.to_time_zone();
    let start = from.to_zoned(zone.clone()).map_err(|error| ComplianceError::Invalid(error.to_string()))?.timestamp();
    let end = to.tomorrow().and_then(|day| day.to_zoned(zone)).map_err(|error| ComplianceError::Invalid(error.to_string()))?.timestamp();
    let owned = load_facts(store).await?;
    let scope_name = match unit {
        Some(id) => owned
            .units
            .iter()
            .find(|known| known.id == id)
            .map(|known| known.name.clone())
            .ok_or_else(|| ComplianceError::NotFound(format!("there is no unit {id}; `liuhen unit list` shows the units")))?,
        None => store.agencies().await?.first().map_or_else(|| "本机关".to_owned(), |agency| agency.name.clone()),
    };
    let cases: Vec<Case> = owned.cases.iter().map(|facts| facts.case.clone()).collect();
    let links: Vec<RecordingLink> = owned.cases.iter().flat_map(|facts| facts.links.iter().cloned()).collect();
    let findings = store.findings(&FindingQuery { raised_from: Some(start), raised_to: Some(end), ..FindingQuery::default() }).await?;
    let device_events = store.device_events(None).await?;
    let access = store.access_files(None).await?;
    let facts = Facts {
        units: &owned.units,
        officers: &owned.officers,
        devices: &owned.devices,
        device_events: &device_events,
        recordings: &owned.recordings,
        links: &links,
        labels: &owned.labels,
        interruption_notes: &owned.interruption_notes,
        duty_log: &owned.duty_log,
        cases: &cases,
        findings: &findings,
        spot_check_reviews: &owned.spot_check_reviews,
        access: &access,
    };
    Ok(periodic(pack, &facts, &Scope { unit, scope_name, from: start, to: end, now: Timestamp::now() }))
}

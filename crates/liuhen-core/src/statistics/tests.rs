//! The periodic report over the facts the compliance tests build (the
//! world of `compliance::tests::by_the_book`), cross-checked against them.

use jiff::{SignedDuration, Timestamp};

use crate::compliance::tests::{at, by_the_book, DAY};
use crate::compliance::StoredFinding;
use crate::id::MediaId;
use crate::pack::PolicyPack;

#[test]
fn the_periodic_report_counts_each_fact_once_for_its_officer_and_period() {
    use crate::statistics::{periodic, Facts as StatisticsFacts, Scope};
    use crate::supervision::{Mark, Outcome, Sampled, SpotCheckReview};
    let (mut world, cast) = by_the_book();
    let pack = PolicyPack::builtin("xiamen-cgj").unwrap().unwrap();
    // The first recording was offloaded 30 hours after it ended: late.
    let first = world.recordings[0].media_id;
    let end = world.recordings[0].corrected_end.unwrap();
    world.recording_mut(first).ingested_at = end + SignedDuration::from_hours(30);
    let evaluation = world.evaluate("xiamen-cgj");
    let stored: Vec<StoredFinding> = evaluation
        .findings
        .iter()
        .map(|finding| StoredFinding {
            id: crate::id::FindingId::new(),
            generation: 0,
            finding: finding.clone(),
            raised_at: world.now,
            raised_by: "test".into(),
            resolution: None,
        })
        .collect();
    assert!(stored.iter().any(|stored| stored.finding.rule_id == "upload-24h"), "{:#?}", evaluation.findings);
    let review = |sequence: u32, outcome: Outcome, minute: i64| SpotCheckReview {
        check_id: crate::id::SpotCheckId::new(),
        position: 0,
        subject: Sampled::Recording(first),
        sequence,
        marks: vec![Mark { criterion: "told".into(), description: "告知".into(), points: 40, outcome }],
        comment: String::new(),
        pack_id: pack.id.clone(),
        pack_version: pack.version.clone(),
        reviewed_at: at(minute),
        reviewed_by: "test".into(),
        reviewer: None,
    };
    let reviews = vec![review(0, Outcome::NotMet, 5 * DAY), review(1, Outcome::Met, 6 * DAY)];
    let unit =
        crate::entity::Unit { id: world.unit, agency_id: world.agency, parent_id: None, name: "一中队".into(), code: "SM01".into() };
    let cases: Vec<crate::case::Case> = world.cases.iter().map(|facts| facts.case.clone()).collect();
    let links: Vec<crate::case::RecordingLink> = world.cases.iter().flat_map(|facts| facts.links.clone()).collect();
    let units = [unit];
    let facts = StatisticsFacts {
        units: &units,
        officers: &world.officers,
        devices: &world.devices,
        device_events: &[],
        recordings: &world.recordings,
        links: &links,
        labels: &world.labels,
        interruption_notes: &world.notes,
        duty_log: &world.duty_log,
        cases: &cases,
        findings: &stored,
        spot_check_reviews: &reviews,
        access: &[],
    };
    let scope = |from: Timestamp, to: Timestamp| Scope { unit: None, scope_name: "本局".into(), from, to, now: world.now };
    let report = periodic(&pack, &facts, &scope(at(0), world.now + SignedDuration::from_hours(1)));

    // Cross-checked against the facts directly.
    assert_eq!(report.totals.recordings as usize, world.recordings.len());
    let seconds: f64 = world.recordings.iter().map(|recording| recording.probe.duration_ms.unwrap() as f64 / 1000.0).sum();
    assert!((report.totals.recorded_seconds - seconds).abs() < 1e-6);
    assert_eq!(report.totals.offloaded_late, 1);
    assert_eq!(report.totals.findings as usize, stored.len());
    assert_eq!(report.totals.findings_open as usize, stored.len());
    let linked: std::collections::BTreeSet<MediaId> =
        links.iter().map(|link| link.media_id).chain(world.labels.iter().map(|label| label.media_id)).collect();
    assert_eq!(report.totals.linked as usize, linked.len());
    assert_eq!(
        (report.totals.spot_checks, report.totals.spot_check_earned, report.totals.spot_check_possible),
        (1, 40, 40),
        "the latest review"
    );
    let zhang = report.officers.iter().find(|line| line.officer_id == cast.zhang).unwrap();
    let zhangs = world.recordings.iter().filter(|recording| recording.officer_id == Some(cast.zhang)).count();
    assert_eq!(zhang.tally.recordings as usize, zhangs);
    assert_eq!(zhang.tally.offloaded_late, 1, "the late one was his");
    let per_officer: u32 = report.officers.iter().map(|line| line.tally.recordings).sum();
    assert_eq!(per_officer, report.totals.recordings, "each recording once");
    let by_rule: u32 = report.rules.iter().map(|rule| rule.findings).sum();
    assert_eq!(by_rule, report.totals.findings);

    // A period before anything happened counts nothing.
    let before = periodic(&pack, &facts, &scope(at(-10 * DAY), at(-DAY)));
    assert_eq!(before.totals, crate::statistics::Tally::default());
    // The first review alone, in a period that ends before the second.
    let early = periodic(&pack, &facts, &scope(at(0), at(5 * DAY + 1)));
    assert_eq!((early.totals.spot_check_earned, early.totals.spot_check_possible), (0, 40));
}

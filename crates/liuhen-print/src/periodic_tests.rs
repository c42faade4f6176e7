//! The periodic report read back: the charts are well-formed SVG with the
//! rows' names, the PDF opens and prints the figures, the workbook's cells
//! hold the same tables as the PDF.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use liuhen_core::device::Coverage;
use liuhen_core::id::{OfficerId, UnitId};
use liuhen_core::regulation::Citation;
use liuhen_core::statistics::{AccessFigures, DeviceFigures, OfficerLine, PeriodicReport, RuleLine, Tally, UnitLine};

use crate::charts::{chart_svg, CHARTS, WEB_FONT};
use crate::periodic::{periodic_report_xlsx, tables};
use crate::report_tests::{printer, read_pdf};

fn report() -> PeriodicReport {
    let squad = UnitId::new();
    let tally = |recordings: u32, late: u32, findings: u32| Tally {
        recordings,
        recorded_seconds: f64::from(recordings) * 900.0,
        offload_timed: recordings,
        offload_hours: f64::from(recordings) * 3.0,
        offloaded_late: late,
        linked: recordings - 1,
        link_hours: 10.0,
        linked_late: 1,
        unlinked_overdue: 1,
        interruptions: 2,
        interruptions_explained: 1,
        findings,
        findings_open: findings / 2,
        spot_checks: 2,
        spot_check_earned: 170,
        spot_check_possible: 200,
    };
    let officer = |name: &str, badge: &str, tally: Tally| OfficerLine {
        officer_id: OfficerId::new(),
        name: name.into(),
        badge_no: badge.into(),
        unit_id: squad,
        unit_name: "思明区大队一中队 #strong[x]".into(),
        tally,
    };
    let mut totals = tally(12, 3, 4);
    totals.recordings = 12;
    PeriodicReport {
        unit_id: Some(squad),
        scope: "思明区大队一中队 #strong[x]".into(),
        from: "2026-11-01T00:00:00+08:00".parse().unwrap(),
        to: "2026-12-01T00:00:00+08:00".parse().unwrap(),
        made_at: Timestamp::now(),
        pack_id: "xiamen-cgj".into(),
        pack_version: "2021.04-1".into(),
        totals: totals.clone(),
        units: vec![UnitLine { unit_id: squad, name: "思明区大队一中队 #strong[x]".into(), tally: totals }],
        officers: vec![officer("张伟", "35020011", tally(7, 2, 3)), officer("李娜 <b>", "35020012", tally(5, 1, 1))],
        rules: vec![RuleLine {
            rule_id: "link-48h".into(),
            description: "48小时内完成信息关联或标注".into(),
            source: Citation { file: "004_78d39a83e0fe43df.txt".into(), article: "五".into() },
            findings: 4,
            open: 2,
        }],
        devices: DeviceFigures {
            checks: 20,
            failed_checks: 2,
            faults: 1,
            losses: 0,
            coverage: Coverage { cameras_in_service: 2, workstations_in_service: 1, ..Coverage::default() },
            officers_without_camera: vec!["林峰（35020014）".into()],
            units_without_workstation: vec![],
        },
        access: AccessFigures::default(),
    }
}

#[test]
fn charts_are_well_formed_svg_naming_each_row() {
    let report = report();
    for name in CHARTS {
        let svg = chart_svg(&report, name, WEB_FONT).unwrap().unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{name}: {svg}");
        let document = roxmltree::Document::parse(&svg).unwrap_or_else(|error| panic!("{name} is not well-formed XML: {error}\n{svg}"));
        assert_eq!(document.root_element().tag_name().name(), "svg");
        let texts: Vec<&str> = document.descendants().filter(|node| node.is_text()).filter_map(|node| node.text()).collect();
        match name {
            "findings" => assert!(texts.iter().any(|text| text.contains("link-48h")), "{texts:?}"),
            _ => assert!(texts.iter().any(|text| text.contains("李娜 <b>")), "names are text, escaped: {texts:?}"),
        }
    }
    assert!(chart_svg(&report, "pie", WEB_FONT).is_none());
}

#[test]
fn the_pdf_and_the_workbook_print_the_same_tables() {
    let report = report();
    let pdf = printer().periodic_report_pdf("厦门市城市管理行政执法局", &report).unwrap();
    let (text, info) = read_pdf("periodic-report", &pdf);
    assert!(info.contains("Title:") && info.contains("执法全过程记录工作通报"), "{info}");
    let flat: String = text.split_whitespace().collect();
    for expected in [
        "执法全过程记录工作通报",
        "2026年11月01日至2026年11月30日",
        "一、各单位情况",
        "张伟（35020011）",
        "林峰（35020014）",
        "厦门五",
        "音像记录数量",
    ] {
        assert!(flat.contains(expected), "the PDF shows {expected}: {text}");
    }
    assert!(flat.contains("#strong[x]"), "user text is printed as written");

    let workbook = periodic_report_xlsx(&report, &TimeZone::fixed(jiff::tz::offset(8))).unwrap();
    let mut xlsx: Xlsx<_> = open_workbook_from_rs(Cursor::new(workbook)).unwrap();
    let expected = tables(&report);
    let names = xlsx.sheet_names();
    assert_eq!(names[0], "概况");
    for table in &expected {
        let range = xlsx.worksheet_range(&table.heading).unwrap();
        let cell = |row: usize, column: usize| match range.get((row, column)) {
            Some(Data::String(text)) => text.clone(),
            Some(Data::Float(number)) => format!("{number}"),
            other => format!("{other:?}"),
        };
        for (column, heading) in table.columns.iter().enumerate() {
            assert_eq!(&cell(0, column), heading);
        }
        for (row, cells) in table.rows.iter().enumerate() {
            for (column, text) in cells.iter().enumerate() {
                assert_eq!(&cell(row + 1, column), text, "{} row {row} column {column}", table.heading);
            }
        }
    }
}

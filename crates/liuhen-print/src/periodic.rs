//! The periodic report (执法全过程记录工作通报) as PDF and XLSX. Both print
//! the same tables, made once by [`tables`], so the two files cannot
//! disagree; the PDF adds the charts of [`crate::charts`].

use jiff::tz::TimeZone;
use liuhen_core::statistics::{PeriodicReport, Tally};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use typst::foundations::{Array, Dict, IntoValue, Value};

use crate::{PrintError, Printer};

pub(crate) const PERIODIC_REPORT: &str = "/periodic-report.typ";

/// The report's title, as printed.
pub const TITLE: &str = "执法全过程记录工作通报";

/// One table of the report: a heading, its columns and its rows of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The columns every unit and officer line has, after its name.
const TALLY_COLUMNS: [&str; 9] = [
    "音像记录",
    "时长（小时）",
    "逾期导出",
    "平均导出（小时）",
    "已关联/标注",
    "逾期关联",
    "逾期未关联",
    "中断（已说明）",
    "合规问题（未整改）",
];

fn tally_cells(tally: &Tally) -> Vec<String> {
    let hours = |value: Option<f64>| value.map_or_else(|| "—".to_owned(), |hours| format!("{hours:.1}"));
    vec![
        tally.recordings.to_string(),
        format!("{:.1}", tally.recorded_seconds / 3600.0),
        tally.offloaded_late.to_string(),
        hours(tally.mean_offload_hours()),
        tally.linked.to_string(),
        tally.linked_late.to_string(),
        tally.unlinked_overdue.to_string(),
        format!("{}（{}）", tally.interruptions, tally.interruptions_explained),
        format!("{}（{}）", tally.findings, tally.findings_open),
    ]
}

fn score(tally: &Tally) -> String {
    match tally.spot_check_score() {
        Some(score) => format!("{score:.1}（{} 条）", tally.spot_checks),
        None => "—".to_owned(),
    }
}

/// The particulars above the tables: (label, text).
pub fn particulars(report: &PeriodicReport, zone: &TimeZone) -> Vec<(String, String)> {
    let day = |at: jiff::Timestamp| at.to_zoned(zone.clone()).strftime("%Y年%m月%d日").to_string();
    let last_day = report.to.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(report.to);
    let totals = &report.totals;
    vec![
        ("通报范围".into(), report.scope.clone()),
        ("统计期间".into(), format!("{} 至 {}", day(report.from), day(last_day))),
        ("规则包".into(), format!("{}（版本 {}）", report.pack_id, report.pack_version)),
        ("制表时间".into(), report.made_at.to_zoned(zone.clone()).strftime("%Y年%m月%d日 %H:%M").to_string()),
        (
            "总体情况".into(),
            format!(
                "音像记录 {} 条，共 {:.1} 小时；逾期导出 {} 条；逾期关联 {} 条，逾期未关联 {} 条；录像中断 {} 次，已说明 {} 次；发现合规问题 {} 条，未整改 {} 条；抽检 {} 条，平均得分 {}。",
                totals.recordings,
                totals.recorded_seconds / 3600.0,
                totals.offloaded_late,
                totals.linked_late,
                totals.unlinked_overdue,
                totals.interruptions,
                totals.interruptions_explained,
                totals.findings,
                totals.findings_open,
                totals.spot_checks,
                totals.spot_check_score().map_or_else(|| "—".to_owned(), |score| format!("{score:.1}")),
            ),
        ),
    ]
}

/// The report's tables, in order.
pub fn tables(report: &PeriodicReport) -> Vec<Table> {
    let with = |first: &[&str], rest: &[&str]| first.iter().chain(rest).map(|column| (*column).to_owned()).collect::<Vec<_>>();
    let mut units = Table { heading: "各单位情况".into(), columns: with(&["单位"], &TALLY_COLUMNS), rows: Vec::new() };
    units.columns.push("抽检平均得分".into());
    for line in &report.units {
        let mut row = vec![line.name.clone()];
        row.extend(tally_cells(&line.tally));
        row.push(score(&line.tally));
        units.rows.push(row);
    }
    let mut totals = vec!["合计".to_owned()];
    totals.extend(tally_cells(&report.totals));
    totals.push(score(&report.totals));
    units.rows.push(totals);

    let mut officers =
        Table { heading: "执法人员情况".into(), columns: with(&["执法人员", "单位"], &TALLY_COLUMNS), rows: Vec::new() };
    officers.columns.push("抽检平均得分".into());
    for line in &report.officers {
        let mut row = vec![format!("{}（{}）", line.name, line.badge_no), line.unit_name.clone()];
        row.extend(tally_cells(&line.tally));
        row.push(score(&line.tally));
        officers.rows.push(row);
    }

    let rules = Table {
        heading: "合规问题（按规则）".into(),
        columns: with(&["规则", "依据", "说明", "发现", "未整改"], &[]),
        rows: report
            .rules
            .iter()
            .map(|rule| {
                vec![
                    rule.rule_id.clone(),
                    rule.source.short_zh(),
                    rule.description.clone(),
                    rule.findings.to_string(),
                    rule.open.to_string(),
                ]
            })
            .collect(),
    };

    let devices = &report.devices;
    let join = |names: &[String]| if names.is_empty() { "无".to_owned() } else { names.join("、") };
    let device_table = Table {
        heading: "设备配备与使用".into(),
        columns: with(&["项目", "情况"], &[]),
        rows: vec![
            vec![
                "在用执法记录仪 / 采集站".into(),
                format!("{} 台 / {} 台", devices.coverage.cameras_in_service, devices.coverage.workstations_in_service),
            ],
            vec!["停用设备（故障、丢失、报废）".into(), format!("{} 台", devices.coverage.out_of_service.len())],
            vec!["使用前检查（异常）".into(), format!("{} 次（{} 次）", devices.checks, devices.failed_checks)],
            vec!["故障报告 / 丢失报告".into(), format!("{} 次 / {} 次", devices.faults, devices.losses)],
            vec!["未配备执法记录仪的一线执法人员".into(), join(&devices.officers_without_camera)],
            vec!["未配备采集站的中队".into(), join(&devices.units_without_workstation)],
        ],
    };
    let mut tables = vec![units, officers, rules, device_table];
    if report.unit_id.is_none() {
        let access = &report.access;
        tables.push(Table {
            heading: "调阅情况".into(),
            columns: with(&["调阅申请", "批准", "不予批准", "待审批"], &[]),
            rows: vec![vec![
                access.requests.to_string(),
                access.approved.to_string(),
                access.refused.to_string(),
                access.pending.to_string(),
            ]],
        });
    }
    tables
}

fn strings<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Value {
    Value::Array(cells.into_iter().map(|cell| cell.as_ref().into_value()).collect())
}

impl Printer {
    /// The periodic report on A4 landscape: particulars, the charts, then
    /// every table of [`tables`].
    pub fn periodic_report_pdf(&self, agency: &str, report: &PeriodicReport) -> Result<Vec<u8>, PrintError> {
        let mut inputs = Dict::new();
        inputs.insert("title".into(), TITLE.into_value());
        inputs.insert("agency".into(), agency.into_value());
        let info: Array = particulars(report, &self.zone).into_iter().map(|(label, text)| strings([label, text])).collect();
        inputs.insert("info".into(), Value::Array(info));
        let mut charts = Array::new();
        for name in crate::charts::CHARTS {
            if let Some(svg) = crate::charts::chart_svg(report, name, "Noto Sans CJK SC") {
                charts.push(svg?.into_value());
            }
        }
        inputs.insert("charts".into(), Value::Array(charts));
        let sections: Array = tables(report)
            .into_iter()
            .enumerate()
            .map(|(index, table)| {
                let mut section = Dict::new();
                section.insert(
                    "heading".into(),
                    format!("{}、{}", liuhen_core::regulation::chinese_number(index as u32 + 1), table.heading).into_value(),
                );
                section.insert("columns".into(), strings(&table.columns));
                section.insert("rows".into(), Value::Array(table.rows.iter().map(strings).collect()));
                Value::Dict(section)
            })
            .collect();
        inputs.insert("sections".into(), Value::Array(sections));
        inputs.insert("footer".into(), format!("留痕 Liuhen · {} · {}", TITLE, report.scope).into_value());
        self.compile(PERIODIC_REPORT, inputs)
    }
}

/// The periodic report as a workbook: a sheet 概况 with the particulars,
/// then one sheet per table, headers bold and frozen.
pub fn periodic_report_xlsx(report: &PeriodicReport, zone: &TimeZone) -> Result<Vec<u8>, PrintError> {
    let xlsx = |error: rust_xlsxwriter::XlsxError| PrintError::Xlsx(error.to_string());
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_background_color("#E1E1E1");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let title = Format::new().set_bold().set_font_size(16);
    let sheet = workbook.add_worksheet();
    sheet.set_name("概况").map_err(xlsx)?;
    sheet.write_string_with_format(0, 0, TITLE, &title).map_err(xlsx)?;
    for (row, (label, text)) in particulars(report, zone).iter().enumerate() {
        sheet.write_string_with_format(row as u32 + 2, 0, label, &header).map_err(xlsx)?;
        sheet.write_string_with_format(row as u32 + 2, 1, text, &cell).map_err(xlsx)?;
    }
    sheet.set_column_width(0, 14).map_err(xlsx)?;
    sheet.set_column_width(1, 100).map_err(xlsx)?;
    for table in tables(report) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&table.heading).map_err(xlsx)?;
        for (column, heading) in table.columns.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, heading, &header).map_err(xlsx)?;
            let widest = table.rows.iter().filter_map(|row| row.get(column)).map(|text| text.chars().count()).max().unwrap_or(0);
            let width = (widest.max(heading.chars().count()) * 2).clamp(8, 60);
            sheet.set_column_width(column as u16, width as f64).map_err(xlsx)?;
        }
        for (row, cells) in table.rows.iter().enumerate() {
            for (column, text) in cells.iter().enumerate() {
                // Whole numbers are numbers, so a sheet can sum them; the rest is text.
                match text.parse::<u32>() {
                    Ok(number) => sheet.write_number_with_format(row as u32 + 1, column as u16, f64::from(number), &cell),
                    Err(_) => sheet.write_string_with_format(row as u32 + 1, column as u16, text, &cell),
                }
                .map_err(xlsx)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    }
    workbook.save_to_buffer().map_err(xlsx)
}

//! The AV record checklist (行政执法音像记录事项清单, 厦门 五 and 附件2) and
//! the misconduct findings report (执法过错情况报告) as PDF, each laid out
//! by its own template (`templates/av-checklist.typ`,
//! `templates/misconduct-report.typ`).
//!
//! As with the forms, every value goes in through `sys.inputs` as a string
//! and is printed as text, so party names, locations and messages print
//! literally whatever characters they hold.

use liuhen_core::compliance::report::{AvChecklist, ChecklistRow, MisconductReport, CHECKLIST_COLUMNS};
use liuhen_core::regulation::chinese_number;
use typst::foundations::{Array, Dict, IntoValue, Value};

use crate::{PrintError, Printer};

/// The names the templates are compiled under.
pub(crate) const AV_CHECKLIST: &str = "/av-checklist.typ";
pub(crate) const MISCONDUCT_REPORT: &str = "/misconduct-report.typ";

/// How wide each checklist column prints on A4 landscape: as wide as its
/// values for numbers and times (`YYYY-MM-DD HH:MM`, kept on one line), room
/// for four characters for short words (行政处罚, 无法播放, a name), shares
/// of the rest for free text. One per entry of [`CHECKLIST_COLUMNS`].
const CHECKLIST_WIDTHS: [&str; CHECKLIST_COLUMNS.len()] =
    ["auto", "5.2em", "1.2fr", "1fr", "1.2fr", "5.2em", "1.4fr", "auto", "auto", "5.2em", "2fr"];

/// The columns of a section's findings, in the PDF and (after the
/// section's own columns) in the XLSX.
pub(crate) const FINDING_COLUMNS: [&str; 7] = ["序号", "发现时间", "执法人员", "情况", "规则依据", "严重程度", "整改情况"];
const FINDING_WIDTHS: [&str; 7] = ["auto", "auto", "5.2em", "1fr", "5.6em", "3.6em", "5em"];

impl Printer {
    /// The checklist of one case, on A4 landscape: the annex's columns and
    /// the file name of each record, the header repeated on every page. It
    /// is filed as the last page of the case file (厦门 附件2 填表说明5).
    pub fn av_checklist_pdf(&self, checklist: &AvChecklist) -> Result<Vec<u8>, PrintError> {
        let mut inputs = Dict::new();
        inputs.insert("title".into(), "行政执法音像记录事项清单".into_value());
        inputs.insert("agency".into(), checklist.agency.as_str().into_value());
        inputs.insert("case_number".into(), checklist.case_number.as_str().into_value());
        inputs.insert("matter".into(), checklist.matter.as_str().into_value());
        inputs.insert("columns".into(), strings(CHECKLIST_COLUMNS));
        inputs.insert("widths".into(), strings(CHECKLIST_WIDTHS));
        inputs.insert("rows".into(), Value::Array(checklist.rows.iter().map(|row| strings(checklist_cells(row))).collect()));
        inputs.insert("note".into(), checklist_note(checklist).unwrap_or_default().into_value());
        inputs.insert("footer".into(), format!("留痕 Liuhen · 案号 {}", checklist.case_number).into_value());
        self.compile(AV_CHECKLIST, inputs)
    }

    /// The misconduct findings of a unit over a period, on A4 portrait: the
    /// particulars and totals, then each item of the misconduct catalogue
    /// with its citation, description and findings (无 where it has none).
    pub fn misconduct_report_pdf(&self, report: &MisconductReport) -> Result<Vec<u8>, PrintError> {
        let info = [
            ["执法机关", report.agency.as_str()],
            ["单位", report.unit.as_str()],
            ["统计期间", &format!("{} 至 {}", report.from, report.to)],
            ["规则包", &format!("{}（版本 {}）", report.pack, report.pack_version)],
            ["发现情况", &totals(report)],
        ];
        let sections: Array = report
            .sections
            .iter()
            .enumerate()
            .map(|(index, section)| {
                let mut value = Dict::new();
                value.insert("number".into(), chinese_number(index as u32 + 1).into_value());
                value.insert("heading".into(), section.description.as_str().into_value());
                value.insert("item".into(), section.item_id.as_str().into_value());
                let citation = section.source.as_ref().map_or_else(|| "—".to_owned(), |source| source.short_zh());
                value.insert("citation".into(), citation.into_value());
                value.insert("count".into(), format!("{} 条", section.rows.len()).into_value());
                let rows = section.rows.iter().enumerate().map(|(position, row)| {
                    strings([
                        (position + 1).to_string(),
                        row.raised_at.clone(),
                        row.officer.clone(),
                        row.message.clone(),
                        row.source.clone(),
                        row.severity.clone(),
                        row.status.clone(),
                    ])
                });
                value.insert("rows".into(), Value::Array(rows.collect()));
                Value::Dict(value)
            })
            .collect();
        let mut inputs = Dict::new();
        inputs.insert("title".into(), "执法过错情况报告".into_value());
        inputs.insert("agency".into(), report.agency.as_str().into_value());
        inputs.insert("info".into(), Value::Array(info.into_iter().map(strings).collect()));
        inputs.insert("columns".into(), strings(FINDING_COLUMNS));
        inputs.insert("widths".into(), strings(FINDING_WIDTHS));
        inputs.insert("sections".into(), Value::Array(sections));
        inputs.insert("footer".into(), format!("留痕 Liuhen · {} {} 至 {}", report.unit, report.from, report.to).into_value());
        self.compile(MISCONDUCT_REPORT, inputs)
    }
}

/// A checklist row's cells, in the order of [`CHECKLIST_COLUMNS`].
pub(crate) fn checklist_cells(row: &ChecklistRow) -> [String; CHECKLIST_COLUMNS.len()] {
    [
        row.seq.to_string(),
        row.act_kind.clone(),
        row.matter.clone(),
        row.item.clone(),
        row.department.clone(),
        row.recorder.clone(),
        row.location.clone(),
        row.start.clone(),
        row.end.clone(),
        row.preservation.clone(),
        row.file_name.clone(),
    ]
}

/// The note under the checklist: which rule named the files, if one did.
pub(crate) fn checklist_note(checklist: &AvChecklist) -> Option<String> {
    let source = checklist.naming_source.as_ref()?;
    Some(format!("文件名称依 {} 命名；音像记录按办案顺序编号，与“序号”“记录事项”一致。", source.short_zh()))
}

/// `发现 N 条，其中未整改 M 条`.
pub(crate) fn totals(report: &MisconductReport) -> String {
    format!("发现 {} 条，其中未整改 {} 条", report.total, report.open)
}

fn strings<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Value {
    Value::Array(cells.into_iter().map(|cell| cell.as_ref().into_value()).collect())
}

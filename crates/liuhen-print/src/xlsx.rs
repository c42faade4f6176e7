//! The AV record checklist (行政执法音像记录事项清单) and the misconduct
//! findings report (执法过错情况报告) as XLSX workbooks, for agencies that
//! keep their registers in spreadsheets.
//!
//! Every value is written as a string cell (or a number, for sequence
//! numbers and counts), never as a formula, so a party name starting with
//! `=` stays text. Pages are set up for A4 so that a printed sheet matches
//! the PDF.

use liuhen_core::compliance::report::{AvChecklist, MisconductReport, CHECKLIST_COLUMNS};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::reports::{checklist_cells, checklist_note, totals, FINDING_COLUMNS};
use crate::PrintError;

/// The checklist's sheet, named as the regulation names the form.
pub const CHECKLIST_SHEET: &str = "音像记录事项清单";
/// The report's sheets: one row per finding, and one per catalogue item.
pub const FINDINGS_SHEET: &str = "执法过错情况";
pub const SUMMARY_SHEET: &str = "过错情形汇总";

/// Rows above the checklist's header: the title and the case line.
const CHECKLIST_HEADER_ROW: u32 = 2;
/// Rows above the findings' header: the title and two lines of particulars.
const FINDINGS_HEADER_ROW: u32 = 3;

/// Excel's paper size number for A4.
const PAPER_A4: u8 = 9;

/// One sheet 音像记录事项清单: the title, the agency, case number and matter,
/// the header row of [`CHECKLIST_COLUMNS`] (bold, frozen, repeated on every
/// printed page) and one row per record; A4 landscape, one page wide.
pub fn av_checklist_xlsx(checklist: &AvChecklist) -> Result<Vec<u8>, PrintError> {
    build(|workbook| {
        let styles = Styles::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name(CHECKLIST_SHEET)?;
        let last_column = (CHECKLIST_COLUMNS.len() - 1) as u16;
        sheet.merge_range(0, 0, 0, last_column, "行政执法音像记录事项清单", &styles.title)?;
        sheet.set_row_height(0, 30)?;
        let case_line = format!("执法机关：{}　　案号：{}　　执法事项：{}", checklist.agency, checklist.case_number, checklist.matter);
        sheet.merge_range(1, 0, 1, last_column, &case_line, &styles.particulars)?;
        let mut widths = Widths::new(&CHECKLIST_COLUMNS);
        for (column, heading) in CHECKLIST_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(CHECKLIST_HEADER_ROW, column as u16, *heading, &styles.header)?;
        }
        let mut row_number = CHECKLIST_HEADER_ROW;
        for row in &checklist.rows {
            row_number += 1;
            let cells = checklist_cells(row);
            sheet.write_number_with_format(row_number, 0, f64::from(row.seq), &styles.centred)?;
            for (column, cell) in cells.iter().enumerate().skip(1) {
                sheet.write_string_with_format(row_number, column as u16, cell, &styles.cell)?;
                widths.fit(column, cell);
            }
        }
        if let Some(note) = checklist_note(checklist) {
            sheet.merge_range(row_number + 2, 0, row_number + 2, last_column, &note, &styles.note)?;
            sheet.set_row_height(row_number + 2, 24)?;
        }
        widths.apply(sheet)?;
        sheet.set_freeze_panes(CHECKLIST_HEADER_ROW + 1, 0)?;
        sheet.set_repeat_rows(CHECKLIST_HEADER_ROW, CHECKLIST_HEADER_ROW)?;
        page_setup(sheet, Orientation::Landscape, &format!("案号 {}", checklist.case_number));
        Ok(())
    })
}

/// Two sheets: 执法过错情况 with one row per finding under the catalogue
/// item (and its citation) it falls under, and 过错情形汇总 with each item,
/// its citation and how many findings it has, so an item without findings
/// still shows as 无.
pub fn misconduct_report_xlsx(report: &MisconductReport) -> Result<Vec<u8>, PrintError> {
    build(|workbook| {
        let styles = Styles::new();
        let columns: Vec<&str> = ["序号", "情形编号", "情形依据", "情形说明"]
            .into_iter()
            .chain(FINDING_COLUMNS.iter().skip(1).copied())
            .chain(["发现编号", "规则"])
            .collect();
        let last_column = (columns.len() - 1) as u16;
        let sheet = workbook.add_worksheet();
        sheet.set_name(FINDINGS_SHEET)?;
        sheet.merge_range(0, 0, 0, last_column, "执法过错情况报告", &styles.title)?;
        sheet.set_row_height(0, 30)?;
        sheet.merge_range(
            1,
            0,
            1,
            last_column,
            &format!("执法机关：{}　　单位：{}　　统计期间：{} 至 {}", report.agency, report.unit, report.from, report.to),
            &styles.particulars,
        )?;
        sheet.merge_range(
            2,
            0,
            2,
            last_column,
            &format!("规则包：{}（{}）　　{}", report.pack, report.pack_version, totals(report)),
            &styles.particulars,
        )?;
        let mut widths = Widths::new(&columns);
        for (column, heading) in columns.iter().enumerate() {
            sheet.write_string_with_format(FINDINGS_HEADER_ROW, column as u16, *heading, &styles.header)?;
        }
        let mut row_number = FINDINGS_HEADER_ROW;
        for section in &report.sections {
            let citation = section.source.as_ref().map(|source| source.short_zh()).unwrap_or_default();
            for finding in &section.rows {
                row_number += 1;
                let cells = [
                    section.item_id.as_str(),
                    &citation,
                    &section.description,
                    &finding.raised_at,
                    &finding.officer,
                    &finding.message,
                    &finding.source,
                    &finding.severity,
                    &finding.status,
                    &finding.finding_id,
                    &finding.rule_id,
                ];
                sheet.write_number_with_format(row_number, 0, f64::from(row_number - FINDINGS_HEADER_ROW), &styles.centred)?;
                for (offset, cell) in cells.iter().enumerate() {
                    sheet.write_string_with_format(row_number, offset as u16 + 1, *cell, &styles.cell)?;
                    widths.fit(offset + 1, cell);
                }
            }
        }
        widths.apply(sheet)?;
        sheet.set_freeze_panes(FINDINGS_HEADER_ROW + 1, 0)?;
        sheet.set_repeat_rows(FINDINGS_HEADER_ROW, FINDINGS_HEADER_ROW)?;
        page_setup(sheet, Orientation::Landscape, &format!("{} {} 至 {}", report.unit, report.from, report.to));

        let summary = workbook.add_worksheet();
        summary.set_name(SUMMARY_SHEET)?;
        let summary_columns = ["序号", "情形编号", "情形依据", "情形说明", "发现数", "未整改"];
        let mut widths = Widths::new(&summary_columns);
        for (column, heading) in summary_columns.iter().enumerate() {
            summary.write_string_with_format(0, column as u16, *heading, &styles.header)?;
        }
        for (index, section) in report.sections.iter().enumerate() {
            let row_number = index as u32 + 1;
            let citation = section.source.as_ref().map(|source| source.short_zh()).unwrap_or_default();
            summary.write_number_with_format(row_number, 0, row_number as f64, &styles.centred)?;
            for (column, cell) in [&section.item_id, &citation, &section.description].iter().enumerate() {
                summary.write_string_with_format(row_number, column as u16 + 1, cell.as_str(), &styles.cell)?;
                widths.fit(column + 1, cell);
            }
            let open = section.rows.iter().filter(|row| row.status == "未整改").count();
            if section.rows.is_empty() {
                summary.write_string_with_format(row_number, 4, "无", &styles.centred)?;
            } else {
                summary.write_number_with_format(row_number, 4, section.rows.len() as f64, &styles.centred)?;
            }
            summary.write_number_with_format(row_number, 5, open as f64, &styles.centred)?;
        }
        widths.apply(summary)?;
        summary.set_freeze_panes(1, 0)?;
        page_setup(summary, Orientation::Portrait, &format!("{} {} 至 {}", report.unit, report.from, report.to));
        Ok(())
    })
}

fn build(fill: impl FnOnce(&mut Workbook) -> Result<(), XlsxError>) -> Result<Vec<u8>, PrintError> {
    let mut workbook = Workbook::new();
    fill(&mut workbook).map_err(|error| PrintError::Xlsx(error.to_string()))?;
    workbook.save_to_buffer().map_err(|error| PrintError::Xlsx(error.to_string()))
}

/// The cell formats. 宋体 is on every Chinese office machine; where it is
/// missing the spreadsheet program falls back to its own CJK font.
struct Styles {
    title: Format,
    particulars: Format,
    header: Format,
    cell: Format,
    centred: Format,
    note: Format,
}

impl Styles {
    fn new() -> Self {
        let base = Format::new().set_font_name("宋体").set_font_size(11);
        let boxed = base.clone().set_border(FormatBorder::Thin).set_text_wrap().set_align(FormatAlign::VerticalCenter);
        Self {
            title: base.clone().set_bold().set_font_size(16).set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter),
            particulars: base.clone().set_align(FormatAlign::Left).set_align(FormatAlign::VerticalCenter),
            header: boxed.clone().set_bold().set_align(FormatAlign::Center).set_background_color(0xD9D9D9),
            cell: boxed.clone().set_align(FormatAlign::Left),
            centred: boxed.set_align(FormatAlign::Center),
            note: base.set_font_size(9).set_text_wrap(),
        }
    }
}

/// Column widths from the text they hold, in Excel's units (the width of a
/// digit of the default font): a CJK character takes about two.
struct Widths(Vec<f64>);

impl Widths {
    /// Widest a column grows; longer text wraps.
    const MAX: f64 = 40.0;
    /// Room for the cell's padding and border.
    const PADDING: f64 = 2.0;

    /// Starts each column as wide as its heading needs: a long heading
    /// wraps onto two lines, a short one keeps its line.
    fn new(headings: &[&str]) -> Self {
        Self(headings.iter().map(|heading| display_width(heading)).map(|width| (width / 2.0).max(width.min(8.0)) + Self::PADDING).collect())
    }

    fn fit(&mut self, column: usize, text: &str) {
        let widest_line = text.lines().map(display_width).fold(0.0, f64::max);
        let wanted = (widest_line + Self::PADDING).min(Self::MAX);
        if wanted > self.0[column] {
            self.0[column] = wanted;
        }
    }

    fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (column, width) in self.0.iter().enumerate() {
            sheet.set_column_width(column as u16, *width)?;
        }
        Ok(())
    }
}

/// The width of `text` in digit widths: wide (CJK, full-width) characters
/// count as two and a bit, others as one.
fn display_width(text: &str) -> f64 {
    text.chars().map(|c| if is_wide(c) { 2.2 } else { 1.0 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

enum Orientation {
    Landscape,
    Portrait,
}

/// A4, one page wide and as many tall as needed, centred, with the page
/// number in the footer. `header` is the right-hand page header.
fn page_setup(sheet: &mut Worksheet, orientation: Orientation, header: &str) {
    sheet.set_paper_size(PAPER_A4);
    if let Orientation::Landscape = orientation {
        sheet.set_landscape();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    // `&` starts a control code in page headers; doubled, it prints itself.
    // Excel takes at most 255 characters there.
    let header: String = header.chars().take(80).collect();
    sheet.set_header(format!("&R{}", header.replace('&', "&&")));
    sheet.set_footer("&C第 &P 页，共 &N 页");
}

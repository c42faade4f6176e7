//! The checklist and the misconduct report, read back from what was
//! written: XLSX with calamine, PDF with poppler's `pdftotext` and
//! `pdfinfo`. Set `LIUHEN_PRINT_OUT` to a folder to keep the files for
//! looking at.

use std::io::Cursor;
use std::path::PathBuf;
use std::process::Command;

use calamine::{open_workbook_from_rs, Reader, Xlsx};
use jiff::tz::TimeZone;
use liuhen_core::compliance::report::{AvChecklist, ChecklistRow, MisconductReport, ReportRow, ReportSection, CHECKLIST_COLUMNS};
use liuhen_core::regulation::Citation;

use crate::xlsx::{CHECKLIST_SHEET, FINDINGS_SHEET, SUMMARY_SHEET};
use crate::{av_checklist_xlsx, misconduct_report_xlsx, Printer};

/// A party name with a character outside the Basic Multilingual Plane
/// (𠮷, U+20BB7) and every character typst markup gives a meaning to.
const PARTY: &str = "𠮷记 #set page(width: 1pt) *粗* _斜_ [链接] $x^2$ `代码` <标签> @引用 \\ // /* ~";
/// A rarer one still (U+20000, CJK Extension B's first): a spreadsheet
/// keeps it, but fonts-noto-cjk has no glyph for it, so the PDF tests
/// leave it out.
const RARE: &str = "𠀀";
/// An officer's name, short as names are (a long one wraps in its narrow
/// column, and pdftotext then reads its lines between other cells').
const OFFICER: &str = "𠮷田 #伟*";
const LOCATION: &str = "思明区湖滨南路 #pagebreak() 12 号 [东侧]";
const MESSAGE: &str = "现场检查未录像 #strong[是] *否* $y$ [见附件]";

fn xiamen(article: &str) -> Citation {
    Citation { file: "004_78d39a83e0fe43df.txt".into(), article: article.into() }
}

fn checklist_row(seq: u32, party: &str) -> ChecklistRow {
    ChecklistRow {
        seq,
        act_kind: "行政处罚".into(),
        matter: "占道经营".into(),
        item: if seq == 1 { "现场检查".into() } else { "送达".into() },
        department: "思明区城管执法一中队".into(),
        recorder: "张伟".into(),
        location: LOCATION.into(),
        start: format!("2026-03-01 08:{:02}", seq % 60),
        end: format!("2026-03-01 09:{:02}", seq % 60),
        preservation: "完整".into(),
        file_name: format!("思明区城管执法一中队{party}20260301{seq:02}现场检查.mp4"),
        media_id: format!("0190a7c2-0000-7000-8000-{seq:012}"),
        sha256: None,
    }
}

fn checklist(rows: u32, party: &str) -> AvChecklist {
    AvChecklist {
        agency: "厦门市城市管理行政执法局".into(),
        case_number: "思城管罚〔2026〕17号".into(),
        matter: "占道经营 #strong[案由]".into(),
        naming_source: Some(xiamen("五")),
        rows: (1..=rows).map(|seq| checklist_row(seq, party)).collect(),
    }
}

fn report() -> MisconductReport {
    let finding = |status: &str| ReportRow {
        finding_id: "0190a7c2-1111-7000-8000-000000000001".into(),
        rule_id: "av-on-site-inspection".into(),
        source: "厦门 五".into(),
        severity: "违规".into(),
        message: MESSAGE.into(),
        officer: format!("{RARE}{OFFICER}"),
        raised_at: "2026-03-02 10:15".into(),
        status: status.into(),
    };
    MisconductReport {
        agency: "厦门市城市管理行政执法局".into(),
        unit: "思明区城管执法一中队".into(),
        pack: "xiamen-cgj".into(),
        pack_version: "2026.1".into(),
        from: "2026-03-01".into(),
        to: "2026-03-31".into(),
        total: 2,
        open: 1,
        sections: vec![
            ReportSection {
                item_id: "6-5-1".into(),
                source: Some(xiamen("六（五）1")),
                description: "未按照本规定要求在执法执勤活动中使用和进行现场音视频信息记录的".into(),
                rows: vec![finding("未整改"), finding("已整改")],
            },
            ReportSection {
                item_id: "6-5-4".into(),
                source: Some(xiamen("六（五）4")),
                description: "未按规定保存、管理现场执法音视频信息资料，致使资料损毁、丢失，造成严重后果的".into(),
                rows: vec![],
            },
        ],
    }
}

/// Every sheet of `xlsx`, by name, as rows of cell texts.
fn read_xlsx(name: &str, xlsx: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    if let Some(folder) = std::env::var_os("LIUHEN_PRINT_OUT") {
        std::fs::write(PathBuf::from(folder).join(format!("{name}.xlsx")), &xlsx).unwrap();
    }
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx)).expect("the XLSX opens");
    workbook
        .sheet_names()
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).expect("the sheet reads");
            assert_eq!(range.start(), Some((0, 0)), "{name} starts at A1");
            let rows = range.rows().map(|row| row.iter().map(ToString::to_string).collect()).collect();
            (name, rows)
        })
        .collect()
}

pub(crate) fn printer() -> Printer {
    Printer::new(&[], TimeZone::fixed(jiff::tz::offset(8))).expect("a CJK font is installed (fonts-noto-cjk)")
}

/// The PDF's text (`pdftotext`) and its particulars (`pdfinfo`).
pub(crate) fn read_pdf(name: &str, pdf: &[u8]) -> (String, String) {
    assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
    let kept = std::env::var_os("LIUHEN_PRINT_OUT").map(PathBuf::from);
    let folder = kept.clone().unwrap_or_else(std::env::temp_dir);
    // Tests run at once and may print the same form: each read gets its own file.
    static READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = folder.join(format!("{name}-{}-{read}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let run = |program: &str, args: &[&str]| {
        let output = Command::new(program).args(args).arg(&path).args(if program == "pdftotext" { &["-"][..] } else { &[][..] }).output();
        let output = output.unwrap_or_else(|error| panic!("{program} runs (apt-get install poppler-utils): {error}"));
        assert!(output.status.success(), "{program}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let text = run("pdftotext", &[]);
    let info = run("pdfinfo", &[]);
    if kept.is_none() {
        std::fs::remove_file(&path).unwrap();
    }
    (text, info)
}

/// Text as pdftotext gives it, less the line breaks and spaces a narrow
/// table cell puts into it.
pub(crate) fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

pub(crate) fn page_count(info: &str) -> usize {
    info.lines().find_map(|line| line.strip_prefix("Pages:")).and_then(|count| count.trim().parse().ok()).expect("pdfinfo names the pages")
}

#[test]
fn xiamen_annex2_checklist_xlsx_has_the_annex_columns_and_a_row_per_record() {
    let party = format!("{RARE}{PARTY}");
    let checklist = checklist(2, &party);
    let sheets = read_xlsx("av-checklist", av_checklist_xlsx(&checklist).unwrap());
    let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, [CHECKLIST_SHEET]);
    assert_eq!(CHECKLIST_SHEET, "音像记录事项清单");
    let rows = &sheets[0].1;
    assert_eq!(rows[0][0], "行政执法音像记录事项清单");
    assert!(rows[1][0].contains("思城管罚〔2026〕17号"), "{:?}", rows[1]);
    assert!(rows[1][0].contains("占道经营 #strong[案由]"), "{:?}", rows[1]);
    assert_eq!(rows[2], CHECKLIST_COLUMNS);
    let expected = |row: &ChecklistRow| {
        vec![
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
    };
    assert_eq!(rows[3], expected(&checklist.rows[0]));
    assert_eq!(rows[4], expected(&checklist.rows[1]));
    assert!(rows[3][10].contains(&party), "the party name is kept exactly: {}", rows[3][10]);
    let note = rows.iter().skip(5).flatten().find(|cell| !cell.is_empty()).expect("a note under the table");
    assert!(note.contains("厦门 五"), "{note}");
}

#[test]
fn empty_checklist_xlsx_still_has_its_header() {
    let sheets = read_xlsx("av-checklist-empty", av_checklist_xlsx(&AvChecklist { naming_source: None, ..checklist(0, PARTY) }).unwrap());
    let rows = &sheets[0].1;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2], CHECKLIST_COLUMNS);
}

#[test]
fn misconduct_report_xlsx_has_a_row_per_finding_with_its_item_and_citation() {
    let sheets = read_xlsx("misconduct-report", misconduct_report_xlsx(&report()).unwrap());
    let names: Vec<&str> = sheets.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, [FINDINGS_SHEET, SUMMARY_SHEET]);
    let rows = &sheets[0].1;
    assert_eq!(rows[0][0], "执法过错情况报告");
    assert!(rows[1][0].contains("思明区城管执法一中队") && rows[1][0].contains("2026-03-01 至 2026-03-31"), "{:?}", rows[1]);
    assert!(rows[2][0].contains("xiamen-cgj（2026.1）") && rows[2][0].contains("发现 2 条，其中未整改 1 条"), "{:?}", rows[2]);
    assert_eq!(
        rows[3],
        [
            "序号",
            "情形编号",
            "情形依据",
            "情形说明",
            "发现时间",
            "执法人员",
            "情况",
            "规则依据",
            "严重程度",
            "整改情况",
            "发现编号",
            "规则"
        ]
    );
    assert_eq!(rows.len(), 6, "two findings, none for the empty item");
    assert_eq!(
        rows[4],
        [
            "1",
            "6-5-1",
            "厦门 六（五）1",
            "未按照本规定要求在执法执勤活动中使用和进行现场音视频信息记录的",
            "2026-03-02 10:15",
            &format!("{RARE}{OFFICER}"),
            MESSAGE,
            "厦门 五",
            "违规",
            "未整改",
            "0190a7c2-1111-7000-8000-000000000001",
            "av-on-site-inspection",
        ]
    );
    assert_eq!(rows[5][0], "2");
    assert_eq!(rows[5][9], "已整改");

    let summary = &sheets[1].1;
    assert_eq!(summary[0], ["序号", "情形编号", "情形依据", "情形说明", "发现数", "未整改"]);
    assert_eq!(summary[1][1..3], ["6-5-1", "厦门 六（五）1"]);
    assert_eq!(summary[1][4..], ["2", "1"]);
    assert_eq!(summary[2][1..3], ["6-5-4", "厦门 六（五）4"]);
    assert_eq!(summary[2][4..], ["无", "0"]);
}

#[test]
fn xiamen_annex2_checklist_pdf_is_landscape_and_prints_user_text_literally() {
    let checklist = checklist(2, PARTY);
    let (text, info) = read_pdf("av-checklist", &printer().av_checklist_pdf(&checklist).unwrap());
    assert!(info.contains("841.89 x 595.276 pts (A4)"), "A4 landscape: {info}");
    let text = squeezed(&text);
    for expected in ["行政执法音像记录事项清单", "厦门市城市管理行政执法局", "思城管罚〔2026〕17号", "占道经营#strong[案由]"]
    {
        assert!(text.contains(&squeezed(expected)), "{expected} in {text}");
    }
    for heading in CHECKLIST_COLUMNS {
        assert!(text.contains(heading), "{heading} in {text}");
    }
    let row = &checklist.rows[0];
    for value in [&row.act_kind, &row.item, &row.department, &row.recorder, &row.location, &row.start, &row.end, &row.preservation] {
        assert!(text.contains(&squeezed(value)), "{value} in {text}");
    }
    assert!(text.contains(&squeezed(PARTY)), "the party name prints as typed: {text}");
    assert!(text.contains("厦门五"), "the naming rule is cited: {text}");
}

#[test]
fn long_checklist_pdf_repeats_its_header_on_every_page() {
    let (text, info) = read_pdf("av-checklist-long", &printer().av_checklist_pdf(&checklist(60, PARTY)).unwrap());
    let pages = page_count(&info);
    assert!(pages > 1, "sixty records take more than one page");
    let text = squeezed(&text);
    assert_eq!(text.matches("记录保存情况").count(), pages, "one header per page");
    assert!(text.contains(&format!("第{pages}页/共{pages}页")), "{text}");
}

#[test]
fn misconduct_report_pdf_lists_each_item_with_its_citation_and_findings() {
    let (text, info) = read_pdf("misconduct-report", &printer().misconduct_report_pdf(&report()).unwrap());
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "A4 portrait: {info}");
    let text = squeezed(&text);
    for expected in [
        "执法过错情况报告",
        "厦门市城市管理行政执法局",
        "思明区城管执法一中队",
        "2026-03-01至2026-03-31",
        "xiamen-cgj（版本2026.1）",
        "发现2条，其中未整改1条",
        "一、未按照本规定要求在执法执勤活动中使用和进行现场音视频信息记录的",
        "依据：厦门六（五）1",
        "二、未按规定保存、管理现场执法音视频信息资料，致使资料损毁、丢失，造成严重后果的",
        "依据：厦门六（五）4",
        "2026-03-0210:15",
        "已整改",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert!(text.contains(&squeezed(MESSAGE)), "the message prints as typed: {text}");
    // The officer's name starts with RARE, which prints as a blank box.
    assert!(text.contains(&squeezed(OFFICER)), "the officer's name prints as typed: {text}");
    let empty = text.split("依据：厦门六（五）4").nth(1).unwrap();
    assert!(empty.contains("无"), "an item without findings says 无: {empty}");
}

#[test]
fn empty_checklist_and_findings_under_no_item_still_print() {
    let printer = printer();
    let (text, _) =
        read_pdf("av-checklist-empty", &printer.av_checklist_pdf(&AvChecklist { naming_source: None, ..checklist(0, PARTY) }).unwrap());
    assert!(squeezed(&text).contains("（无音像记录）"), "{text}");

    let mut report = report();
    let unlisted =
        ReportSection {
            item_id: String::new(), source: None, description: "其他不符合规定的情形".into(), ..report.sections[0].clone()
        };
    report.sections.push(unlisted);
    let (text, _) = read_pdf("misconduct-report-unlisted", &printer.misconduct_report_pdf(&report).unwrap());
    let text = squeezed(&text);
    assert!(text.contains("三、其他不符合规定的情形依据：—发现：2条"), "{text}");
}

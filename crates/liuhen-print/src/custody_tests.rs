//! The custody forms, read back with poppler's `pdftotext` and `pdfinfo`
//! (through the helpers of `report_tests`). Set `LIUHEN_PRINT_OUT` to a
//! folder to keep the PDFs for looking at.

use std::process::Command;

use jiff::Timestamp;

use crate::report_tests::{page_count, printer, read_pdf, squeezed};
use crate::{ConsistencyItem, ConsistencyStatement, ExplanatoryNote, Requisition, RequisitionDecision, RequisitionItem};

/// Text a user might type that typst markup would give a meaning to: a
/// page rule that would make the page 1pt wide, a closing bracket, maths,
/// strong emphasis, a page break and a comment.
const MARKUP: &str = "原告称“#set page(width: 1pt)” ] 见 $x^2$ 与 *粗* #pagebreak() [附件] // 注";

/// SHA-256 and SM3 of `abc` (FIPS 180-2, GB/T 32905-2016 A.1).
const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SM3_ABC: &str = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
/// SHA-256 and SM3 of the empty string.
const SHA256_EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SM3_EMPTY: &str = "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn requisition() -> Requisition {
    Requisition {
        agency: "北京市丰台区城市管理综合行政执法局".into(),
        request_number: "丰城管调〔2026〕42号".into(),
        requester: "李明".into(),
        requester_unit: Some("法制科".into()),
        on_behalf_of: Some("北京市丰台区人民法院".into()),
        purpose: "行政诉讼".into(),
        mode: "复制".into(),
        reason: "王某诉本局行政处罚一案，法院要求提交现场执法音像记录".into(),
        period_from: at("2026-06-01T08:00:00Z"),
        period_until: at("2026-06-15T08:00:00Z"),
        requested_at: at("2026-06-01T08:00:00Z"),
        items: vec![
            RequisitionItem { kind: "案件".into(), description: "丰城管罚〔2026〕17号 占道经营".into(), marks: vec![] },
            RequisitionItem {
                kind: "音像记录".into(),
                description: "DSJ_A8123456_010203_20260301_081500.mp4（2026年03月01日 08:15）".into(),
                marks: vec!["个人隐私".into()],
            },
            RequisitionItem {
                kind: "文书".into(),
                description: "行政处罚决定书（第 2 版）".into(),
                marks: vec!["个人隐私".into(), "商业秘密".into()],
            },
        ],
        decision: Some(RequisitionDecision {
            approved: true,
            approver: "赵刚".into(),
            opinion: "同意复制，限用于本案举证，用毕销毁复制件。".into(),
            granted_until: Some(at("2026-06-15T08:00:00Z")),
            at: at("2026-06-02T02:30:00Z"),
        }),
    }
}

fn note() -> ExplanatoryNote {
    ExplanatoryNote {
        agency: "厦门市城市管理行政执法局".into(),
        case_number: Some("思城管罚〔2026〕17号".into()),
        case_matter: Some("占道经营".into()),
        file_name: "思明区城管执法一中队_厦门某某有限公司_2026030101_现场检查.mp4".into(),
        sha256: SHA256_ABC.into(),
        sm3: SM3_ABC.into(),
        size: 157_286_400,
        device: "执法记录仪 DSJ-A8 序列号 A8123456".into(),
        officer: "张伟（执法证号 闽Z35020001）".into(),
        recorded_from: Some(at("2026-03-01T00:15:00Z")),
        recorded_until: Some(at("2026-03-01T00:32:00Z")),
        made_how: "执法记录仪现场连续录制；当日经采集站导出入库，入库时计算 SHA-256 与 SM3 摘要并记入账本。".into(),
        made_at: Some(at("2026-03-01T04:00:00Z")),
        maker: "张伟".into(),
        proves: "当事人在湖滨南路 12 号东侧占道经营的事实及现场检查过程".into(),
        redacted: None,
        copied_at: at("2026-06-03T01:00:00Z"),
        copied_by: "李明".into(),
    }
}

fn statement(items: usize) -> ConsistencyStatement {
    let item = |index: usize| ConsistencyItem {
        file_name: format!("DSJ_A8123456_010203_20260301_0815{index:02}.mp4"),
        sha256: if index % 2 == 0 { SHA256_ABC } else { SHA256_EMPTY }.into(),
        sm3: if index % 2 == 0 { SM3_ABC } else { SM3_EMPTY }.into(),
        size: 157_286_400 + index as u64,
        redacted: index == 1,
    };
    ConsistencyStatement {
        agency: "北京市丰台区城市管理综合行政执法局".into(),
        case_number: Some("丰城管罚〔2026〕17号".into()),
        recipient: Some("北京市丰台区人民法院".into()),
        purpose: "行政诉讼举证".into(),
        items: (0..items).map(item).collect(),
        checkpoint_size: 1_024,
        checkpoint_root: "k7Qm3yJd0xWc9uVQe2Jm5rS1t8Y4oPq2LxNf6aZbC0E=".into(),
        made_at: at("2026-06-03T01:30:00Z"),
        made_by: "李明".into(),
    }
}

/// The PDF's laid-out text (see [`laid_out_text`]) and its particulars
/// (`pdfinfo`).
fn read(name: &str, pdf: &[u8]) -> (String, String) {
    let (_, info) = read_pdf(name, pdf);
    (laid_out_text(name, pdf), info)
}

/// The PDF's text in the order it was laid out (`pdftotext -raw`), less
/// spaces and line breaks: a table cell's lines stay together, where the
/// default reading order interleaves the lines of neighbouring cells.
fn laid_out_text(name: &str, pdf: &[u8]) -> String {
    // Tests run at once and may print the same form: each read gets its own file.
    static READS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("{name}-raw-{}-{read}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output();
    let output = output.unwrap_or_else(|error| panic!("pdftotext runs (apt-get install poppler-utils): {error}"));
    std::fs::remove_file(&path).unwrap();
    assert!(output.status.success(), "pdftotext: {}", String::from_utf8_lossy(&output.stderr));
    squeezed(&String::from_utf8(output.stdout).unwrap())
}

fn assert_all_in(text: &str, expected: &[&str]) {
    for expected in expected {
        assert!(text.contains(&squeezed(expected)), "{expected} in {text}");
    }
}

/// Renders `plain` and `marked` (the same form with [`MARKUP`] in its user
/// text): both are A4 portrait with as many pages, and the marked one
/// prints the markup as typed. Gives the marked one's text.
fn assert_markup_prints_literally(name: &str, plain: &[u8], marked: &[u8]) -> String {
    let (_, plain_info) = read(name, plain);
    let (text, info) = read(&format!("{name}-markup"), marked);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "still A4 portrait: {info}");
    assert_eq!(page_count(&info), page_count(&plain_info), "markup adds or removes no page");
    assert!(text.contains(&squeezed(MARKUP)), "the markup prints as typed: {text}");
    text
}

#[test]
fn requisition_prints_the_request_the_records_and_the_decision_in_china_time() {
    let requisition = requisition();
    let (text, info) = read("requisition", &printer().requisition_pdf(&requisition).unwrap());
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "A4 portrait: {info}");
    assert_eq!(page_count(&info), 1);
    assert_all_in(
        &text,
        &[
            "北京市丰台区城市管理综合行政执法局",
            "执法记录调用单",
            "编号：丰城管调〔2026〕42号",
            "申请人李明",
            "所在单位法制科",
            "委托单位北京市丰台区人民法院",
            "调阅用途行政诉讼",
            "□查阅　■复制",
            &requisition.reason,
            "2026年06月01日 16:00 至 2026年06月15日 16:00",
            "申请时间2026年06月01日 16:00",
            "序号类别内容密级标记",
            "丰城管罚〔2026〕17号 占道经营",
            "DSJ_A8123456_010203_20260301_081500.mp4",
            "个人隐私、商业秘密",
            "审批结论同意",
            "准予调阅至2026年06月15日 16:00",
            &requisition.decision.as_ref().unwrap().opinion,
            "审批人赵刚",
            "审批日期2026年06月02日 10:30",
            "调阅人签字",
            "经办人签字",
            "归还/销毁确认",
        ],
    );
    for item in &requisition.items {
        assert!(text.contains(&squeezed(&item.kind)), "{} in {text}", item.kind);
    }
    assert!(!text.contains("待审批"), "{text}");
}

#[test]
fn undecided_requisition_says_it_waits_for_approval() {
    let requisition = Requisition { decision: None, requester_unit: None, on_behalf_of: None, mode: "查阅".into(), ..requisition() };
    let (text, _) = read("requisition-pending", &printer().requisition_pdf(&requisition).unwrap());
    assert_all_in(&text, &["审批结论待审批", "审批人", "审批日期", "■查阅　□复制", "所在单位—", "委托单位—"]);
    assert!(!text.contains("赵刚"), "{text}");
}

#[test]
fn requisition_prints_markup_in_user_text_literally() {
    let printer = printer();
    let plain = printer.requisition_pdf(&requisition()).unwrap();
    let mut marked = requisition();
    marked.reason = MARKUP.into();
    marked.requester = "李明 ] $".into();
    marked.items[0].description = format!("{MARKUP} ]]] $$");
    marked.decision.as_mut().unwrap().opinion = "同意 ] #set text(size: 40pt)".into();
    let marked = printer.requisition_pdf(&marked).unwrap();
    let text = assert_markup_prints_literally("requisition", &plain, &marked);
    assert_all_in(&text, &["申请人李明 ] $", "]]] $$", "同意 ] #set text(size: 40pt)"]);
}

#[test]
fn explanatory_note_states_the_file_is_the_untouched_original_with_its_digests() {
    let note = note();
    let (text, info) = read("explanatory-note", &printer().explanatory_note_pdf(&note).unwrap());
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "A4 portrait: {info}");
    assert_eq!(page_count(&info), 1);
    assert_all_in(
        &text,
        &[
            "厦门市城市管理行政执法局",
            "音像资料情况说明",
            "案号思城管罚〔2026〕17号",
            "案由占道经营",
            &note.file_name,
            "157,286,400 字节（约 150.0 MB）",
            &SHA256_ABC[..32],
            &SM3_ABC[..32],
            "文件性质原件",
            &note.device,
            &note.officer,
            "2026年03月01日 08:15 至 2026年03月01日 08:32",
            &note.made_how,
            "制作时间2026年03月01日 12:00",
            "制作人张伟",
            &note.proves,
            "复制时间2026年06月03日 09:00",
            "复制人李明",
            "本文件系厦门市城市管理行政执法局音像记录存储库中保存的原始文件，自采集入库以来未经任何改动。",
            "重新计算 SHA-256 与 SM3 摘要",
            "制作人签字",
            "单位（盖章）",
            "日期：2026年06月03日",
        ],
    );
    assert!(!text.contains("删减"), "an original is no redacted copy: {text}");
}

#[test]
fn explanatory_note_for_a_redacted_copy_says_what_was_withheld() {
    let withheld = "第 3 分 10 秒至第 4 分 02 秒画面中未成年人面部";
    let note = ExplanatoryNote { redacted: Some(withheld.into()), case_number: None, recorded_until: None, ..note() };
    let (text, _) = read("explanatory-note-redacted", &printer().explanatory_note_pdf(&note).unwrap());
    assert_all_in(
        &text,
        &[
            &format!("文件性质删减副本（删减内容：{withheld}）"),
            "本文件系依厦门市城市管理行政执法局音像记录存储库中保存的原始文件制作的删减副本",
            &format!("删减内容为：{withheld}。原始文件仍原样保存于存储库中"),
            "上表所列 SHA-256 与 SM3 摘要为本删减副本的摘要",
            "案号—",
            "2026年03月01日 08:15 至 —",
        ],
    );
}

#[test]
fn explanatory_note_prints_markup_in_user_text_literally() {
    let printer = printer();
    let plain = printer.explanatory_note_pdf(&note()).unwrap();
    let marked = ExplanatoryNote { proves: MARKUP.into(), made_how: "导出 ] $ #{}".into(), ..note() };
    let marked = printer.explanatory_note_pdf(&marked).unwrap();
    let text = assert_markup_prints_literally("explanatory-note", &plain, &marked);
    assert!(text.contains(&squeezed("导出 ] $ #{}")), "{text}");
}

#[test]
fn consistency_statement_lists_every_copy_with_its_digests_and_the_checkpoint() {
    let statement = statement(3);
    let (text, info) = read("consistency-statement", &printer().consistency_statement_pdf(&statement).unwrap());
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "A4 portrait: {info}");
    assert_all_in(
        &text,
        &[
            "北京市丰台区城市管理综合行政执法局",
            "复制件与原件一致的声明",
            "案号丰城管罚〔2026〕17号",
            "接收方北京市丰台区人民法院",
            "用途行政诉讼举证",
            "文件数量3 个（其中删减副本 1 个）",
            "制作人李明",
            "制作时间2026年06月03日 09:30",
            "每一复制件与原件逐字节完全一致",
            "标注“删减副本”者系依原件制作的删减副本，其原件仍由本机关原样保存，未经改动",
            "序号文件名大小（字节）SHA-256SM3",
            "DSJ_A8123456_010203_20260301_081501.mp4（删减副本）",
            "157,286,402",
            "检查点大小1,024 条记录",
            &statement.checkpoint_root,
            "制作人签字",
            "单位（盖章）",
            "日期：2026年06月03日",
        ],
    );
    for item in &statement.items {
        assert!(text.contains(&squeezed(&item.file_name)), "{} in {text}", item.file_name);
        // A digest prints as two lines of 32 characters.
        for digest in [&item.sha256, &item.sm3] {
            assert!(text.contains(&digest[..32]) && text.contains(&digest[32..]), "{digest} in {text}");
        }
    }
    assert_eq!(text.matches("（删减副本）").count(), 1, "only the redacted copy is marked: {text}");
}

#[test]
fn long_consistency_statement_repeats_its_header_on_every_page() {
    let (text, info) = read("consistency-statement-long", &printer().consistency_statement_pdf(&statement(40)).unwrap());
    let pages = page_count(&info);
    assert!(pages > 1, "forty files take more than one page");
    assert_eq!(text.matches("大小（字节）").count(), pages, "one header per page");
    assert!(text.contains("DSJ_A8123456_010203_20260301_081539.mp4"), "the last file prints: {text}");
    assert!(text.contains(&format!("第{pages}页/共{pages}页")), "{text}");
}

#[test]
fn consistency_statement_prints_markup_in_user_text_literally() {
    let printer = printer();
    let plain = printer.consistency_statement_pdf(&statement(3)).unwrap();
    let mut marked = statement(3);
    marked.purpose = MARKUP.into();
    marked.items[2].file_name = "#set page(width: 1pt)]$.mp4".into();
    let marked = printer.consistency_statement_pdf(&marked).unwrap();
    let text = assert_markup_prints_literally("consistency-statement", &plain, &marked);
    assert!(text.contains(&squeezed("#set page(width: 1pt)]$.mp4")), "{text}");
}

//! The forms of custody (调阅与移交): the requisition for access to
//! enforcement records (执法记录调用单), the explanatory note for one AV file
//! handed over in a court package (音像资料情况说明) and the statement that
//! a package's copies match the originals (复制件与原件一致的声明), each as
//! PDF from its own template (`templates/requisition.typ`,
//! `explanatory-note.typ`, `consistency-statement.typ`, which share
//! `custody.typ`).
//!
//! The callers fill plain structs; this module turns them into strings and
//! hands them over through `sys.inputs`, so names, reasons and file names
//! print literally whatever characters they hold. Sentences that name the
//! agency or what was withheld are composed here, as text, for the same
//! reason.

use jiff::Timestamp;
use typst::foundations::{Dict, IntoValue, Value};

use crate::{PrintError, Printer};

/// The names the templates are compiled under.
pub(crate) const CUSTODY: &str = "/custody.typ";
pub(crate) const REQUISITION: &str = "/requisition.typ";
pub(crate) const EXPLANATORY_NOTE: &str = "/explanatory-note.typ";
pub(crate) const CONSISTENCY_STATEMENT: &str = "/consistency-statement.typ";

/// Monospace families for digests, tried in order: DejaVu is loaded when
/// present, and the Noto CJK collection holds a monospace face too.
const MONO_FAMILIES: [&str; 2] = ["DejaVu Sans Mono", "Noto Sans Mono CJK SC"];

/// The columns of the consistency statement's table of files.
const CONSISTENCY_COLUMNS: [&str; 5] = ["序号", "文件名", "大小（字节）", "SHA-256", "SM3"];

/// A request to read or copy enforcement records (执法记录调用单), with the
/// decision on it once there is one.
#[derive(Clone, Debug)]
pub struct Requisition {
    /// The agency's full name, printed above the title.
    pub agency: String,
    /// The request's number (编号).
    pub request_number: String,
    /// Who asks (申请人).
    pub requester: String,
    /// The requester's unit (所在单位).
    pub requester_unit: Option<String>,
    /// The body the requester asks for (委托单位), e.g. 某区人民法院.
    pub on_behalf_of: Option<String>,
    /// What the records are for (调阅用途), e.g. 行政诉讼.
    pub purpose: String,
    /// 查阅 (to read) or 复制 (to copy).
    pub mode: String,
    /// Why the records are needed (调阅事由).
    pub reason: String,
    /// The access asked for starts (调阅期限 from) …
    pub period_from: Timestamp,
    /// … and ends.
    pub period_until: Timestamp,
    /// When the request was made (申请时间).
    pub requested_at: Timestamp,
    /// The records asked for (调阅内容), numbered in this order.
    pub items: Vec<RequisitionItem>,
    /// The leader's decision (审批), `None` while it waits (待审批).
    pub decision: Option<RequisitionDecision>,
}

/// One record asked for.
#[derive(Clone, Debug)]
pub struct RequisitionItem {
    /// 案件, 音像记录 or 文书.
    pub kind: String,
    /// A case's number and matter, an AV file's name and time, or a
    /// document's title.
    pub description: String,
    /// Protection marks (密级标记), e.g. 个人隐私.
    pub marks: Vec<String>,
}

/// The decision on a requisition (审批).
#[derive(Clone, Debug)]
pub struct RequisitionDecision {
    /// 同意 (true) or 不同意 (false).
    pub approved: bool,
    /// Who decided (审批人).
    pub approver: String,
    /// The approver's opinion (审批意见).
    pub opinion: String,
    /// Until when access is granted (准予调阅至), if it is.
    pub granted_until: Option<Timestamp>,
    /// When it was decided (审批日期).
    pub at: Timestamp,
}

/// The explanatory note (音像资料情况说明) for one AV file in a court
/// package: what it is, how it was made and what it proves.
#[derive(Clone, Debug)]
pub struct ExplanatoryNote {
    /// The agency's full name, printed above the title.
    pub agency: String,
    pub case_number: Option<String>,
    /// The case's matter (案由).
    pub case_matter: Option<String>,
    /// The file's name in the package.
    pub file_name: String,
    /// SHA-256 of the file in the package, hex.
    pub sha256: String,
    /// SM3 of the file in the package, hex.
    pub sm3: String,
    /// The file's size in bytes.
    pub size: u64,
    /// The recording device, e.g. 执法记录仪 DSJ-A8 序列号 ….
    pub device: String,
    /// The officer who recorded, with the certificate number (执法证号).
    pub officer: String,
    pub recorded_from: Option<Timestamp>,
    pub recorded_until: Option<Timestamp>,
    /// How the file was made (制作方法): recorded how, offloaded how.
    pub made_how: String,
    /// When it was made (制作时间).
    pub made_at: Option<Timestamp>,
    /// Who made it (制作人).
    pub maker: String,
    /// What it proves (证明对象).
    pub proves: String,
    /// What was withheld, when the file in the package is a redacted copy;
    /// `None` when it is the original.
    pub redacted: Option<String>,
    /// When the file was copied into the package.
    pub copied_at: Timestamp,
    /// Who copied it.
    pub copied_by: String,
}

/// The statement that a package's copies match the originals
/// (复制件与原件一致的声明).
#[derive(Clone, Debug)]
pub struct ConsistencyStatement {
    /// The agency's full name, printed above the title.
    pub agency: String,
    pub case_number: Option<String>,
    /// Who receives the package (接收方), e.g. 某区人民法院.
    pub recipient: Option<String>,
    /// What the package is for (用途), e.g. 行政诉讼举证.
    pub purpose: String,
    /// The files, numbered in this order.
    pub items: Vec<ConsistencyItem>,
    /// The size of the signed ledger checkpoint the package's proofs refer to.
    pub checkpoint_size: u64,
    /// That checkpoint's root hash, base64.
    pub checkpoint_root: String,
    pub made_at: Timestamp,
    pub made_by: String,
}

/// One file of a package.
#[derive(Clone, Debug)]
pub struct ConsistencyItem {
    pub file_name: String,
    /// SHA-256 of the file in the package, hex.
    pub sha256: String,
    /// SM3 of the file in the package, hex.
    pub sm3: String,
    pub size: u64,
    /// Whether the file is a redacted copy (删减副本) rather than the
    /// original's exact copy.
    pub redacted: bool,
}

impl Printer {
    /// The requisition on A4 portrait: the request, the numbered records,
    /// the decision (待审批 while there is none) and lines for the reader,
    /// the clerk and the return or destruction of copies to be signed.
    pub fn requisition_pdf(&self, requisition: &Requisition) -> Result<Vec<u8>, PrintError> {
        let mut particulars = Dict::new();
        let mut put = |name: &str, value: String| particulars.insert(name.into(), value.into_value());
        put("requester", requisition.requester.clone());
        put("unit", or_dash(requisition.requester_unit.as_deref()));
        put("on_behalf_of", or_dash(requisition.on_behalf_of.as_deref()));
        put("purpose", requisition.purpose.clone());
        put("mode", mode_boxes(&requisition.mode));
        put("reason", requisition.reason.clone());
        put("period", format!("{} 至 {}", self.time(requisition.period_from), self.time(requisition.period_until)));
        put("requested_at", self.time(requisition.requested_at));
        let items = requisition.items.iter().enumerate().map(|(index, item)| {
            let marks = if item.marks.is_empty() { "—".to_owned() } else { item.marks.join("、") };
            strings([(index + 1).to_string(), item.kind.clone(), item.description.clone(), marks])
        });
        let decision = match &requisition.decision {
            None => Value::None,
            Some(decision) => {
                let mut value = Dict::new();
                value.insert("verdict".into(), if decision.approved { "同意" } else { "不同意" }.into_value());
                value.insert("granted_until".into(), self.time_or_dash(decision.granted_until).into_value());
                value.insert("opinion".into(), decision.opinion.as_str().into_value());
                value.insert("approver".into(), decision.approver.as_str().into_value());
                value.insert("at".into(), self.time(decision.at).into_value());
                Value::Dict(value)
            }
        };
        let signatures = [["调阅人签字", ""], ["日期", ""], ["经办人签字", ""], ["日期", ""], ["归还/销毁确认", ""], ["日期", ""]];
        let mut inputs = self.custody_inputs("执法记录调用单", &requisition.agency);
        inputs.insert("number".into(), requisition.request_number.as_str().into_value());
        inputs.insert("particulars".into(), Value::Dict(particulars));
        inputs.insert("items".into(), Value::Array(items.collect()));
        inputs.insert("decision".into(), decision);
        inputs.insert("signatures".into(), Value::Array(signatures.into_iter().map(strings).collect()));
        inputs.insert("footer".into(), format!("留痕 Liuhen · 调用单 {}", requisition.request_number).into_value());
        self.compile(REQUISITION, inputs)
    }

    /// The explanatory note on A4 portrait: the file's particulars and
    /// digests, a statement of what the file is (the untouched original,
    /// or a redacted copy of it) and how the recipient checks it, and lines
    /// for the maker's signature, the seal and the date.
    pub fn explanatory_note_pdf(&self, note: &ExplanatoryNote) -> Result<Vec<u8>, PrintError> {
        let recorded = match (note.recorded_from, note.recorded_until) {
            (None, None) => "—".to_owned(),
            (from, until) => format!("{} 至 {}", self.time_or_dash(from), self.time_or_dash(until)),
        };
        let nature = match &note.redacted {
            None => "原件".to_owned(),
            Some(withheld) => format!("删减副本（删减内容：{withheld}）"),
        };
        let facts = [
            fact("案号", or_dash(note.case_number.as_deref())),
            fact("案由", or_dash(note.case_matter.as_deref())),
            fact("文件名", note.file_name.clone()),
            fact("文件大小", size_zh(note.size)),
            digest_fact("SHA-256", &note.sha256),
            digest_fact("SM3", &note.sm3),
            fact("文件性质", nature),
            fact("录制设备", note.device.clone()),
            fact("执法人员", note.officer.clone()),
            fact("录制时间", recorded),
            fact("制作方法", note.made_how.clone()),
            fact("制作时间", self.time_or_dash(note.made_at)),
            fact("制作人", note.maker.clone()),
            fact("证明对象", note.proves.clone()),
            fact("复制时间", self.time(note.copied_at)),
            fact("复制人", note.copied_by.clone()),
        ];
        let statement = match &note.redacted {
            None => [
                format!("本文件系{}音像记录存储库中保存的原始文件，自采集入库以来未经任何改动。", note.agency),
                "接收方可对收到的文件重新计算 SHA-256 与 SM3 摘要，并与上表所列数值核对；两者一致，即表明所收文件与存储库中保存的原始文件完全相同。"
                    .to_owned(),
                "特此说明。".to_owned(),
            ],
            Some(withheld) => [
                format!(
                    "本文件系依{}音像记录存储库中保存的原始文件制作的删减副本，删减内容为：{withheld}。原始文件仍原样保存于存储库中，自采集入库以来未经任何改动。",
                    note.agency
                ),
                "上表所列 SHA-256 与 SM3 摘要为本删减副本的摘要。接收方可对收到的文件重新计算并核对；两者一致，即表明所收文件与本机关制作的删减副本完全相同。"
                    .to_owned(),
                "特此说明。".to_owned(),
            ],
        };
        let signatures = [["制作人签字", ""], ["单位（盖章）", ""], ["日期", &self.date(note.copied_at)]];
        let mut inputs = self.custody_inputs("音像资料情况说明", &note.agency);
        inputs.insert("facts".into(), Value::Array(facts.into_iter().collect()));
        inputs.insert("statement".into(), strings(statement));
        inputs.insert("signatures".into(), Value::Array(signatures.into_iter().map(strings).collect()));
        inputs.insert("footer".into(), format!("留痕 Liuhen · 情况说明 {}", note.file_name).into_value());
        self.compile(EXPLANATORY_NOTE, inputs)
    }

    /// The consistency statement on A4 portrait: the package's
    /// particulars, the declaration, every file with its size and digests
    /// (redacted copies marked 删减副本), the ledger checkpoint the
    /// package's proofs refer to, and lines for signature, seal and date.
    pub fn consistency_statement_pdf(&self, statement: &ConsistencyStatement) -> Result<Vec<u8>, PrintError> {
        let redacted = statement.items.iter().filter(|item| item.redacted).count();
        let count = match redacted {
            0 => format!("{} 个", statement.items.len()),
            redacted => format!("{} 个（其中删减副本 {redacted} 个）", statement.items.len()),
        };
        let info = [
            fact("执法机关", statement.agency.clone()),
            fact("案号", or_dash(statement.case_number.as_deref())),
            fact("接收方", or_dash(statement.recipient.as_deref())),
            fact("用途", statement.purpose.clone()),
            fact("文件数量", count),
            fact("制作人", statement.made_by.clone()),
            fact("制作时间", self.time(statement.made_at)),
        ];
        let declaration = [
            format!(
                "兹声明：下表所列文件系{}依其保存的原件制作的复制件。除标注“删减副本”者外，每一复制件与原件逐字节完全一致；标注“删减副本”者系依原件制作的删减副本，其原件仍由本机关原样保存，未经改动。",
                statement.agency
            ),
            "各文件的 SHA-256 与 SM3 摘要列于下表。接收方可对收到的文件重新计算摘要并核对；数值一致，即表明所收文件与本声明所列文件完全相同。".to_owned(),
        ];
        let items = statement.items.iter().enumerate().map(|(index, item)| {
            let name = if item.redacted { format!("{}\n（删减副本）", item.file_name) } else { item.file_name.clone() };
            strings([(index + 1).to_string(), name, grouped(item.size), item.sha256.clone(), item.sm3.clone()])
        });
        let checkpoint = [
            fact("检查点大小", format!("{} 条记录", grouped(statement.checkpoint_size))),
            digest_fact("检查点根哈希", &statement.checkpoint_root),
        ];
        let checkpoint_note = "本材料所附各项证明均对应上述经签名的账本检查点，可据以核验各文件的入库登记已记入账本且此后未被改动。";
        let signatures = [["制作人签字", ""], ["单位（盖章）", ""], ["日期", &self.date(statement.made_at)]];
        let mut inputs = self.custody_inputs("复制件与原件一致的声明", &statement.agency);
        inputs.insert("info".into(), Value::Array(info.into_iter().collect()));
        inputs.insert("statement".into(), strings(declaration));
        inputs.insert("columns".into(), strings(CONSISTENCY_COLUMNS));
        inputs.insert("items".into(), Value::Array(items.collect()));
        inputs.insert("checkpoint".into(), Value::Array(checkpoint.into_iter().collect()));
        inputs.insert("checkpoint_note".into(), checkpoint_note.into_value());
        inputs.insert("signatures".into(), Value::Array(signatures.into_iter().map(strings).collect()));
        let footer = match &statement.case_number {
            Some(number) => format!("留痕 Liuhen · 一致性声明 {number}"),
            None => "留痕 Liuhen · 一致性声明".to_owned(),
        };
        inputs.insert("footer".into(), footer.into_value());
        self.compile(CONSISTENCY_STATEMENT, inputs)
    }

    /// The inputs every custody form has: its title, the agency and the
    /// monospace fonts for digests.
    fn custody_inputs(&self, title: &str, agency: &str) -> Dict {
        let mut inputs = Dict::new();
        inputs.insert("title".into(), title.into_value());
        inputs.insert("agency".into(), agency.into_value());
        inputs.insert("mono".into(), strings(MONO_FAMILIES));
        inputs
    }

    fn time_or_dash(&self, at: Option<Timestamp>) -> String {
        at.map_or_else(|| "—".to_owned(), |at| self.time(at))
    }

    fn date(&self, at: Timestamp) -> String {
        at.to_zoned(self.zone.clone()).strftime("%Y年%m月%d日").to_string()
    }
}

/// 查阅 and 复制 as two boxes, the chosen one filled; any other mode as
/// written.
fn mode_boxes(mode: &str) -> String {
    match mode.trim() {
        "查阅" => "■查阅　□复制".to_owned(),
        "复制" => "□查阅　■复制".to_owned(),
        other => other.to_owned(),
    }
}

fn or_dash(value: Option<&str>) -> String {
    value.filter(|value| !value.trim().is_empty()).unwrap_or("—").to_owned()
}

/// `1,234,567`: digits grouped by three, as sizes are printed.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The exact size in bytes, and about how much that is.
fn size_zh(size: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    match UNITS.iter().find(|(unit, _)| size >= *unit) {
        Some((unit, name)) => format!("{} 字节（约 {:.1} {name}）", grouped(size), size as f64 / *unit as f64),
        None => format!("{} 字节", grouped(size)),
    }
}

/// A row of particulars: label, value and how the value prints.
fn fact(label: &str, value: String) -> Value {
    strings([label, &value, "text"])
}

fn digest_fact(label: &str, value: &str) -> Value {
    strings([label, value, "digest"])
}

fn strings<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> Value {
    Value::Array(cells.into_iter().map(|cell| cell.as_ref().into_value()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_print_grouped_with_their_magnitude() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(123_456_789), "123,456,789");
        assert_eq!(size_zh(512), "512 字节");
        assert_eq!(size_zh(157_286_400), "157,286,400 字节（约 150.0 MB）");
    }

    #[test]
    fn the_chosen_mode_is_the_filled_box() {
        assert_eq!(mode_boxes("查阅"), "■查阅　□复制");
        assert_eq!(mode_boxes("复制"), "□查阅　■复制");
        assert_eq!(mode_boxes("查阅并复制"), "查阅并复制");
    }
}

//! Printed forms (文书打印): each enforcement document and the case file
//! index (案卷目录) as PDF, laid out by typst from one template; the AV
//! record checklist (音像记录事项清单) and the misconduct findings report
//! (执法过错情况报告) as PDF ([`reports`], each from its own template) and
//! as XLSX ([`xlsx`]); the forms of custody — the requisition for access
//! to records (执法记录调用单), the explanatory note for an AV file in a
//! court package (音像资料情况说明) and the copy consistency statement
//! (复制件与原件一致的声明) — as PDF ([`custody`]).
//!
//! The data goes in through typst's `sys.inputs`, never spliced into markup,
//! so nothing a user typed can change the layout. Chinese needs a CJK font:
//! [`Printer::new`] looks for one in the usual system font folders (and in
//! folders the caller adds) and says clearly what to install if none is there.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use liuhen_core::case::{Approval, Case, RecordingLink, StageStep, Step};
use liuhen_core::document::{field_label_zh, Document, Signature, Signer};
use liuhen_core::id::OfficerId;
use typst::foundations::{Array, Dict, IntoValue, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateCollection};

pub mod charts;
pub mod custody;
pub mod periodic;
pub mod reports;
pub mod xlsx;

pub use custody::{ConsistencyItem, ConsistencyStatement, ExplanatoryNote, Requisition, RequisitionDecision, RequisitionItem};
pub use periodic::periodic_report_xlsx;
pub use xlsx::{av_checklist_xlsx, misconduct_report_xlsx};

/// The templates, by the name each is compiled under.
const FORM: &str = "/form.typ";
const TEMPLATES: [(&str, &str); 8] = [
    (FORM, include_str!("../templates/form.typ")),
    (reports::AV_CHECKLIST, include_str!("../templates/av-checklist.typ")),
    (reports::MISCONDUCT_REPORT, include_str!("../templates/misconduct-report.typ")),
    (custody::CUSTODY, include_str!("../templates/custody.typ")),
    (custody::REQUISITION, include_str!("../templates/requisition.typ")),
    (custody::EXPLANATORY_NOTE, include_str!("../templates/explanatory-note.typ")),
    (custody::CONSISTENCY_STATEMENT, include_str!("../templates/consistency-statement.typ")),
    (periodic::PERIODIC_REPORT, include_str!("../templates/periodic-report.typ")),
];

/// Font families tried in order; the first CJK family found sets the text.
const FAMILIES: [&str; 7] = [
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "Source Han Serif SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "DejaVu Sans",
];

/// Font file names that hold Chinese.
const CJK_FILE_HINTS: [&str; 9] =
    ["notoserifcjk", "notosanscjk", "sourcehan", "wqy", "uming", "ukai", "simsun", "simhei", "droidsansfallback"];

/// Folders searched for fonts, besides those the caller adds.
const FONT_DIRS: [&str; 3] = ["/usr/share/fonts", "/usr/local/share/fonts", "/usr/share/texmf/fonts/opentype"];

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(
        "no font with Chinese characters was found in {searched}; install one (Debian/Ubuntu: `apt-get install fonts-noto-cjk`) or set LIUHEN_FONT_DIRS to folders that hold one (separated by :)"
    )]
    NoCjkFont { searched: String },
    #[error("the form could not be laid out: {0}")]
    Layout(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(String),
    #[error("the chart could not be drawn: {0}")]
    Chart(String),
}

/// Who is who, for printing names instead of ids.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// The agency's full name, printed above every title.
    pub agency: String,
    /// Officers by id: name and certificate number.
    pub officers: HashMap<OfficerId, (String, Option<String>)>,
}

impl Directory {
    fn officer(&self, id: OfficerId) -> String {
        match self.officers.get(&id) {
            Some((name, Some(certificate))) => format!("{name}（执法证号 {certificate}）"),
            Some((name, None)) => name.clone(),
            None => id.to_string(),
        }
    }

    fn name(&self, id: OfficerId) -> String {
        self.officers.get(&id).map_or_else(|| id.to_string(), |(name, _)| name.clone())
    }
}

/// Lays out forms; made once (it loads the fonts), used for many.
pub struct Printer {
    engine: TypstEngine<TypstTemplateCollection>,
    zone: TimeZone,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").finish_non_exhaustive()
    }
}

impl Printer {
    /// Loads the fonts from the system folders and `extra_dirs`. Times are
    /// printed in `zone`.
    pub fn new(extra_dirs: &[PathBuf], zone: TimeZone) -> Result<Self, PrintError> {
        let mut dirs: Vec<PathBuf> = extra_dirs.to_vec();
        if let Some(listed) = std::env::var_os("LIUHEN_FONT_DIRS") {
            dirs.extend(std::env::split_paths(&listed));
        }
        dirs.extend(FONT_DIRS.iter().map(PathBuf::from));
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(Path::new(&home).join(".local/share/fonts"));
            dirs.push(Path::new(&home).join(".fonts"));
        }
        let mut files = Vec::new();
        for dir in &dirs {
            collect_font_files(dir, &mut files, 0);
        }
        let is_cjk = |path: &Path| {
            let name = path.file_name().map(|name| name.to_string_lossy().to_lowercase().replace(['-', '_', ' '], "")).unwrap_or_default();
            CJK_FILE_HINTS.iter().any(|hint| name.contains(hint))
        };
        let cjk: Vec<&PathBuf> = files.iter().filter(|path| is_cjk(path)).collect();
        if cjk.is_empty() {
            let searched = dirs.iter().map(|dir| dir.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(PrintError::NoCjkFont { searched });
        }
        // The CJK fonts, and DejaVu for Latin text if present; nothing else,
        // to keep start-up quick.
        let fonts: Vec<Vec<u8>> = files
            .iter()
            .filter(|path| is_cjk(path) || path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("DejaVuSans")))
            .filter_map(|path| std::fs::read(path).ok())
            .collect();
        let engine = TypstEngine::builder().fonts(fonts).with_static_source_file_resolver(TEMPLATES).build();
        Ok(Self { engine, zone })
    }

    fn time(&self, at: Timestamp) -> String {
        at.to_zoned(self.zone.clone()).strftime("%Y年%m月%d日 %H:%M").to_string()
    }

    /// One document version as its printed form.
    pub fn document(
        &self,
        directory: &Directory,
        case: &Case,
        document: &Document,
        signatures: &[Signature],
    ) -> Result<Vec<u8>, PrintError> {
        let mut subtitle = format!("案号 {}　第 {} 版", case.number, document.version);
        if let Some(reason) = &document.amendment_reason {
            subtitle.push_str(&format!("（更正：{reason}）"));
        }
        let parties = case.parties.iter().map(|party| party.name.clone()).collect::<Vec<_>>().join("、");
        let info = vec![
            row(["案由", &case.matter]),
            row(["当事人", if parties.is_empty() { "—" } else { &parties }]),
            row(["程序环节", document.stage.label_zh()]),
            row(["法律依据", &document.legal_basis]),
            row(["制作人", &directory.officer(document.made_by)]),
            row(["制作时间", &self.time(document.made_at)]),
        ];
        // The fields the kind requires, in their order, then any others.
        let (required, _) = document.kind.required_fields();
        let mut names: Vec<&String> = document.fields.keys().collect();
        names.sort_by_key(|name| required.iter().position(|wanted| wanted == name).unwrap_or(usize::MAX));
        let fields = names.into_iter().map(|name| vec![field_label_zh(name).to_owned(), document.fields[name].clone()]).collect();
        let signed = signatures.iter().map(|signature| self.signature_row(directory, signature)).collect();
        let sections = vec![
            section("内容", ["项目", "内容"], ["auto", "fr"], fields),
            section("签名", ["签名人", "身份", "情况"], ["auto", "auto", "fr"], signed),
        ];
        self.render(directory, document.kind.label_zh(), &subtitle, info, sections, &format!("留痕 Liuhen · 文书 {}", document.id))
    }

    fn signature_row(&self, directory: &Directory, signature: &Signature) -> Vec<String> {
        let (who, role) = match &signature.signer {
            Signer::Officer { officer_id, certificate_no, certificate_shown } => (
                directory.name(*officer_id),
                format!(
                    "执法人员（证号 {}，{}）",
                    certificate_no.as_deref().unwrap_or("无"),
                    if *certificate_shown { "已出示证件" } else { "未记录出示证件" }
                ),
            ),
            Signer::Party { name } => (name.clone(), "当事人".to_owned()),
            Signer::Witness { name } => (name.clone(), "见证人".to_owned()),
            Signer::LegalReviewer { officer_id } => (directory.name(*officer_id), "法制审核人员".to_owned()),
            Signer::Leader { officer_id } => (directory.name(*officer_id), "负责人".to_owned()),
        };
        let state = match &signature.refusal {
            Some(refusal) => format!("拒绝签名：{}；见证人：{}（{}）", refusal.reason, refusal.witness, self.time(signature.at)),
            None => format!("已签名（{}）", self.time(signature.at)),
        };
        vec![who, role, state]
    }

    /// The case file index (案卷目录): particulars, documents, steps,
    /// approvals and linked AV records.
    #[allow(clippy::too_many_arguments)]
    pub fn case_index(
        &self,
        directory: &Directory,
        case: &Case,
        steps: &[StageStep],
        approvals: &[Approval],
        documents: &[(Document, Vec<Signature>)],
        links: &[RecordingLink],
    ) -> Result<Vec<u8>, PrintError> {
        let handlers = case.handlers.iter().map(|id| directory.officer(*id)).collect::<Vec<_>>().join("\n");
        let parties = case
            .parties
            .iter()
            .map(|party| match &party.id_number {
                Some(number) => format!("{}（{number}）", party.name),
                None => party.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let info = vec![
            row(["案号", &case.number]),
            row(["执法种类", case.act_kind.label_zh()]),
            row(["案由", &case.matter]),
            row(["当事人", if parties.is_empty() { "—" } else { &parties }]),
            row(["承办人员", &handlers]),
            row(["立案登记", &self.time(case.opened_at)]),
        ];
        let document_rows = documents
            .iter()
            .enumerate()
            .map(|(number, (document, signatures))| {
                let refused = signatures.iter().filter(|signature| signature.refusal.is_some()).count();
                let signed = format!(
                    "{} 人签名{}",
                    signatures.len() - refused,
                    if refused > 0 { format!("，{refused} 人拒签") } else { String::new() }
                );
                vec![
                    (number + 1).to_string(),
                    document.kind.label_zh().to_owned(),
                    format!("第 {} 版", document.version),
                    document.stage.label_zh().to_owned(),
                    self.time(document.made_at),
                    signed,
                ]
            })
            .collect();
        let step_rows = steps
            .iter()
            .map(|step| {
                let what = match step.step {
                    Step::Enter { stage } => format!("进入 {}", stage.label_zh()),
                    Step::Resume { stage } => format!("恢复 {}", stage.label_zh()),
                    Step::Archive => "归档".to_owned(),
                };
                let note = if step.emergency { format!("（紧急启动）{}", step.note) } else { step.note.clone() };
                vec![(step.sequence + 1).to_string(), what, self.time(step.at), note]
            })
            .collect();
        let approval_rows = approvals
            .iter()
            .map(|approval| {
                let matter = match approval.matter {
                    liuhen_core::case::ApprovalMatter::Start => "程序启动",
                    liuhen_core::case::ApprovalMatter::Decision => "处理决定",
                };
                let who = approval.officer_id.map(|id| directory.name(id)).unwrap_or_default();
                let verdict = if approval.approved { "同意" } else { "不同意" };
                vec![
                    matter.to_owned(),
                    format!("{} {who}", approval.role.label_zh()),
                    format!("{verdict}：{}", approval.opinion),
                    self.time(approval.at),
                ]
            })
            .collect();
        let link_rows = links
            .iter()
            .map(|link| {
                let delay = link.delay_ms().map(|ms| format!("{:.1} 小时", ms as f64 / 3_600_000.0)).unwrap_or_else(|| "—".into());
                vec![link.stage.label_zh().to_owned(), link.item.label_zh().to_owned(), link.location.clone(), link.label.clone(), delay]
            })
            .collect();
        let sections = vec![
            section(
                "文书目录",
                ["序号", "文书", "版本", "环节", "制作时间", "签名"],
                ["auto", "fr", "auto", "auto", "auto", "auto"],
                document_rows,
            ),
            section("程序环节", ["序号", "环节", "时间", "说明"], ["auto", "auto", "auto", "fr"], step_rows),
            section("内部审批", ["事项", "审批人", "意见", "时间"], ["auto", "auto", "fr", "auto"], approval_rows),
            section("音像记录", ["环节", "事项", "地点", "标注", "录制后关联"], ["auto", "auto", "fr", "fr", "auto"], link_rows),
        ];
        self.render(
            directory,
            "行政执法案卷目录",
            &format!("案号 {}", case.number),
            info,
            sections,
            &format!("留痕 Liuhen · 案件 {}", case.id),
        )
    }

    fn render(
        &self,
        directory: &Directory,
        title: &str,
        subtitle: &str,
        info: Vec<Value>,
        sections: Vec<Value>,
        footer: &str,
    ) -> Result<Vec<u8>, PrintError> {
        let mut inputs = Dict::new();
        inputs.insert("agency".into(), directory.agency.as_str().into_value());
        inputs.insert("title".into(), title.into_value());
        inputs.insert("subtitle".into(), subtitle.into_value());
        inputs.insert("footer".into(), footer.into_value());
        inputs.insert("info".into(), Value::Array(info.into_iter().collect()));
        inputs.insert("sections".into(), Value::Array(sections.into_iter().collect()));
        self.compile(FORM, inputs)
    }

    /// Lays out `template` over `inputs` (which gain the font list) and
    /// writes the PDF.
    fn compile(&self, template: &str, mut inputs: Dict) -> Result<Vec<u8>, PrintError> {
        inputs.insert("fonts".into(), Value::Array(FAMILIES.iter().map(|family| family.into_value()).collect::<Array>()));
        let document: PagedDocument =
            self.engine.compile_with_input(template, inputs).output.map_err(|error| PrintError::Layout(error.to_string()))?;
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| PrintError::Pdf(format!("{errors:?}")))
    }
}

fn row<const N: usize>(cells: [&str; N]) -> Value {
    Value::Array(cells.iter().map(|cell| cell.into_value()).collect())
}

fn section<const N: usize>(heading: &str, columns: [&str; N], widths: [&str; N], rows: Vec<Vec<String>>) -> Value {
    let mut section = Dict::new();
    section.insert("heading".into(), heading.into_value());
    section.insert("columns".into(), Value::Array(columns.iter().map(|column| column.into_value()).collect()));
    section.insert("widths".into(), Value::Array(widths.iter().map(|width| width.into_value()).collect()));
    let rows: Array = rows
        .into_iter()
        .map(|cells| {
            let mut cells: Vec<Value> = cells.into_iter().map(IntoValue::into_value).collect();
            cells.resize(N, "".into_value());
            Value::Array(cells.into_iter().collect())
        })
        .collect();
    section.insert("rows".into(), Value::Array(rows));
    Value::Dict(section)
}

fn collect_font_files(dir: &Path, files: &mut Vec<PathBuf>, depth: u32) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_font_files(&path, files, depth + 1);
        } else if path.extension().is_some_and(|extension| {
            let extension = extension.to_string_lossy().to_lowercase();
            matches!(extension.as_str(), "ttf" | "otf" | "ttc" | "otc")
        }) {
            files.push(path);
        }
    }
}

#[cfg(test)]
mod custody_tests;
#[cfg(test)]
mod periodic_tests;
#[cfg(test)]
mod report_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use liuhen_core::case::{ActKind, CaseSource, Party, PartyKind, Procedure, Stage};
    use liuhen_core::document::{DocumentKind, Refusal};
    use liuhen_core::id::{AgencyId, CaseId, DocumentId, UnitId};

    /// Every kind of document prints, with its fields, a correction note,
    /// rare characters and text that looks like typst markup.
    #[test]
    fn every_document_kind_prints() {
        let printer = Printer::new(&[], TimeZone::fixed(jiff::tz::offset(8))).expect("a CJK font is installed (fonts-noto-cjk)");
        let lead = OfficerId::new();
        let directory = Directory {
            agency: "厦门市城市管理行政执法局".into(),
            officers: [(lead, ("𠮷田 张伟".to_owned(), Some("闽Z1".to_owned())))].into(),
        };
        let case = Case {
            id: CaseId::new(),
            agency_id: AgencyId::new(),
            unit_id: UnitId::new(),
            number: "思城管罚〔2026〕1号".into(),
            act_kind: ActKind::Penalty,
            procedure: Procedure::General,
            source: CaseSource::Patrol,
            matter: "占道经营 #set page(width: 1pt) *not bold* $x$".into(),
            parties: vec![Party {
                kind: PartyKind::Organisation,
                name: "厦门某某有限公司".into(),
                id_number: Some("91350200MA00000000".into()),
            }],
            lead_officer: lead,
            handlers: vec![lead],
            opened_at: Timestamp::UNIX_EPOCH,
        };
        for kind in DocumentKind::ALL {
            let (required, _) = kind.required_fields();
            let document = Document {
                id: DocumentId::new(),
                case_id: case.id,
                kind,
                stage: Stage::Investigation,
                version: 2,
                supersedes: Some(DocumentId::new()),
                amendment_reason: Some("笔误".into()),
                touches_rights: false,
                fields: required.iter().map(|name| ((*name).to_owned(), format!("{name}：内容\n第二行 ]] #{{}}"))).collect(),
                legal_basis: "《中华人民共和国行政处罚法》".into(),
                made_by: lead,
                made_at: Timestamp::UNIX_EPOCH,
                recorded_by: "console:test".into(),
            };
            let signatures = vec![Signature {
                document_id: document.id,
                sequence: 0,
                signer: Signer::Party { name: "王五".into() },
                at: Timestamp::UNIX_EPOCH,
                refusal: Some(Refusal { reason: "不认可".into(), witness: "孙某".into() }),
                recorded_by: "console:test".into(),
            }];
            let pdf =
                printer.document(&directory, &case, &document, &signatures).unwrap_or_else(|error| panic!("{}: {error}", kind.label_zh()));
            assert!(pdf.starts_with(b"%PDF-"), "{}", kind.label_zh());
        }
        let index = printer.case_index(&directory, &case, &[], &[], &[], &[]).unwrap();
        assert!(index.starts_with(b"%PDF-"));
    }
}

//! Enforcement documents (执法文书) and their signatures: the rules, no IO.
//!
//! A document is made at a stage of a case, with the fields its kind
//! requires, the legal basis and its maker. It is signed by officers (their
//! certificate numbers and whether they were shown, 大连 第八条), the party,
//! witnesses, the legal reviewer and the leader; a refusal to sign is
//! recorded with its reason and a witness (大连 第十条). Once signed it is
//! never changed: a correction is a new version linked to the old one
//! (丰台 第二十九条), and both stay readable.
//!
//! Citations as in [`crate::case`].

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::case::{Case, Stage, StageRefused, StageStep, Step};
use crate::id::{CaseId, DocumentId, OfficerId};

/// The kinds of document (文书种类).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 立案审批表.
    FilingApproval,
    /// 询问笔录 (调查笔录).
    InquiryRecord,
    /// 现场检查(勘验)笔录.
    InspectionRecord,
    /// 证据登记保存清单.
    EvidencePreservationList,
    /// 调取证据通知书.
    EvidenceRequest,
    /// 抽样清单.
    SamplingList,
    /// 陈述申辩笔录.
    StatementRecord,
    /// 听证笔录.
    HearingRecord,
    /// 鉴定意见书.
    ExpertOpinion,
    /// 法制审核意见.
    LegalReviewOpinion,
    /// 集体讨论记录.
    CollectiveDiscussion,
    /// 行政处罚决定书.
    PenaltyDecision,
    /// 责令改正通知书.
    OrderToCorrectNotice,
    /// 送达回证.
    ServiceReceipt,
    /// 催告书.
    DemandNotice,
    /// 行政强制执行决定书.
    CoercionDecision,
    /// 结案报告.
    ClosingReport,
    /// 履行情况记录 (大连 第十八条).
    PerformanceRecord,
    /// 强制执行申请书 (to a court, 大连 第二十一条).
    CourtApplication,
    /// 法院裁定及执行结果.
    CourtResult,
    /// 权利告知 (大连 第九条): which rights were told, and how.
    RightsNotice,
    /// 当场处罚决定书 (简易程序, 大连 第十六条).
    OnTheSpotDecision,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 22] = [
        DocumentKind::FilingApproval,
        DocumentKind::InquiryRecord,
        DocumentKind::InspectionRecord,
        DocumentKind::EvidencePreservationList,
        DocumentKind::EvidenceRequest,
        DocumentKind::SamplingList,
        DocumentKind::StatementRecord,
        DocumentKind::HearingRecord,
        DocumentKind::ExpertOpinion,
        DocumentKind::LegalReviewOpinion,
        DocumentKind::CollectiveDiscussion,
        DocumentKind::PenaltyDecision,
        DocumentKind::OrderToCorrectNotice,
        DocumentKind::ServiceReceipt,
        DocumentKind::DemandNotice,
        DocumentKind::CoercionDecision,
        DocumentKind::ClosingReport,
        DocumentKind::PerformanceRecord,
        DocumentKind::CourtApplication,
        DocumentKind::CourtResult,
        DocumentKind::RightsNotice,
        DocumentKind::OnTheSpotDecision,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentKind::FilingApproval => "立案审批表",
            DocumentKind::InquiryRecord => "询问笔录",
            DocumentKind::InspectionRecord => "现场检查(勘验)笔录",
            DocumentKind::EvidencePreservationList => "证据登记保存清单",
            DocumentKind::EvidenceRequest => "调取证据通知书",
            DocumentKind::SamplingList => "抽样清单",
            DocumentKind::StatementRecord => "陈述申辩笔录",
            DocumentKind::HearingRecord => "听证笔录",
            DocumentKind::ExpertOpinion => "鉴定意见书",
            DocumentKind::LegalReviewOpinion => "法制审核意见",
            DocumentKind::CollectiveDiscussion => "集体讨论记录",
            DocumentKind::PenaltyDecision => "行政处罚决定书",
            DocumentKind::OrderToCorrectNotice => "责令改正通知书",
            DocumentKind::ServiceReceipt => "送达回证",
            DocumentKind::DemandNotice => "催告书",
            DocumentKind::CoercionDecision => "行政强制执行决定书",
            DocumentKind::ClosingReport => "结案报告",
            DocumentKind::PerformanceRecord => "履行情况记录",
            DocumentKind::CourtApplication => "强制执行申请书",
            DocumentKind::CourtResult => "法院裁定及执行结果",
            DocumentKind::RightsNotice => "权利告知书",
            DocumentKind::OnTheSpotDecision => "当场处罚决定书",
        }
    }

    /// Reads the Chinese name or the snake_case name.
    pub fn parse(text: &str) -> Option<DocumentKind> {
        crate::case::find_named(DocumentKind::ALL, DocumentKind::label_zh, text)
    }

    /// The fields a document of this kind must carry, with the article that
    /// asks for them.
    pub fn required_fields(self) -> (&'static [&'static str], &'static str) {
        match self {
            DocumentKind::FilingApproval => (&["reason", "source", "facts", "party", "handler_opinion"], "大连 第六条"),
            DocumentKind::InquiryRecord => (&["place", "started_at", "ended_at", "questions_and_answers"], "大连 第八、十条"),
            DocumentKind::InspectionRecord => (&["place", "started_at", "ended_at", "findings"], "大连 第十条"),
            DocumentKind::EvidencePreservationList => (&["reason", "items", "form"], "大连 第十二条"),
            DocumentKind::EvidenceRequest => (&["recipient", "evidence_requested"], "大连 第十条"),
            DocumentKind::SamplingList => (&["items", "method"], "大连 第十条"),
            DocumentKind::StatementRecord => (&["rights_notified", "statement"], "大连 第九、十条"),
            DocumentKind::HearingRecord => (&["place", "started_at", "ended_at", "participants", "proceedings"], "大连 第十条"),
            DocumentKind::ExpertOpinion => (&["institution", "opinion"], "大连 第十条"),
            DocumentKind::LegalReviewOpinion => (&["opinion"], "大连 第十五条"),
            DocumentKind::CollectiveDiscussion => (&["participants", "discussion", "conclusion"], "大连 第十五条"),
            DocumentKind::PenaltyDecision => (&["facts", "evidence", "decision", "rights_notified"], "大连 第十四条"),
            DocumentKind::OrderToCorrectNotice => (&["violation", "correction", "due_by"], "大连 第十九条"),
            DocumentKind::ServiceReceipt => (&["document", "method", "served_at", "recipient"], "大连 第十七条"),
            DocumentKind::DemandNotice => (&["obligation", "due_by"], "大连 第二十条"),
            DocumentKind::CoercionDecision => (&["facts", "mode", "legal_basis_detail"], "大连 第二十一条"),
            DocumentKind::ClosingReport => (&["summary", "outcome"], "大连 第二十二条"),
            DocumentKind::PerformanceRecord => (&["performed", "details"], "大连 第十八条"),
            DocumentKind::CourtApplication => (&["court", "applied_at", "request"], "大连 第二十一条"),
            DocumentKind::CourtResult => (&["court", "result"], "大连 第二十一条"),
            DocumentKind::RightsNotice => (&["rights", "method"], "大连 第九条"),
            DocumentKind::OnTheSpotDecision => {
                (&["facts", "legal_conditions", "statement", "statement_review", "decision", "filing_record"], "大连 第十六条")
            }
        }
    }
}

/// The printed name of a field, for the forms.
pub fn field_label_zh(name: &str) -> &str {
    match name {
        "reason" => "理由",
        "source" => "案件来源",
        "facts" => "违法事实",
        "party" => "当事人",
        "handler_opinion" => "承办人意见",
        "place" => "地点",
        "started_at" => "开始时间",
        "ended_at" => "结束时间",
        "questions_and_answers" => "询问内容",
        "party_copy" => "副本说明",
        "findings" => "检查情况",
        "items" => "物品清单",
        "form" => "保全形式",
        "recipient" => "受送达人",
        "evidence_requested" => "调取证据",
        "method" => "方式",
        "rights_notified" => "告知权利",
        "rights" => "告知权利",
        "statement" => "陈述申辩",
        "statement_review" => "复核及采纳情况",
        "participants" => "参加人员",
        "proceedings" => "听证过程",
        "institution" => "鉴定机构",
        "opinion" => "意见",
        "discussion" => "讨论情况",
        "conclusion" => "结论",
        "evidence" => "证据",
        "decision" => "处理决定",
        "violation" => "违法行为",
        "correction" => "改正要求",
        "due_by" => "期限",
        "document" => "送达文书",
        "served_at" => "送达时间",
        "obligation" => "应履行义务",
        "mode" => "执行方式",
        "legal_basis_detail" => "执行依据",
        "summary" => "案件概况",
        "outcome" => "处理结果",
        "performed" => "履行情况",
        "details" => "详情",
        "court" => "法院",
        "applied_at" => "申请时间",
        "request" => "申请事项",
        "result" => "结果",
        "legal_conditions" => "适用简易程序的依据",
        "filing_record" => "备案情况",
        "refusal_reason" => "拒收事由",
        "witness" => "见证人",
        "av_record" => "音像记录",
        "mail_receipt_no" => "邮寄凭证号",
        "why_other_methods_failed" => "无法以其他方式送达的情况",
        "published_where" => "公告方式及载体",
        other => other,
    }
}

/// One document version (文书). A correction is a new version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocumentKind,
    /// The stage it belongs to; the case must have reached it.
    pub stage: Stage,
    /// 1 for the first version, then 2, 3, …
    pub version: u32,
    /// The version this one corrects.
    pub supersedes: Option<DocumentId>,
    /// Why it was corrected (丰台 第二十九条).
    pub amendment_reason: Option<String>,
    /// The correction touches the party's rights: it then needs legal review
    /// and to be served again; otherwise a leader's approval (丰台 第二十九条).
    #[serde(default)]
    pub touches_rights: bool,
    /// The structured content, as the kind requires (text values).
    pub fields: BTreeMap<String, String>,
    /// The legal basis (法律依据).
    pub legal_basis: String,
    /// The officer who made it (制作人, 大连 第十四条).
    pub made_by: OfficerId,
    pub made_at: Timestamp,
    pub recorded_by: String,
}

/// Who signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Signer {
    /// An officer, with the certificate number on record and whether the
    /// certificate was shown (大连 第八条).
    Officer { officer_id: OfficerId, certificate_no: Option<String>, certificate_shown: bool },
    /// The party (当事人) or its representative.
    Party { name: String },
    /// A witness (见证人).
    Witness { name: String },
    /// The legal reviewer (法制审核人员).
    LegalReviewer { officer_id: OfficerId },
    /// The leader (负责人).
    Leader { officer_id: OfficerId },
}

/// A signature, or a recorded refusal to sign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub document_id: DocumentId,
    /// 0, 1, 2, … over the document's signatures.
    pub sequence: u32,
    pub signer: Signer,
    pub at: Timestamp,
    /// Set when the signer refused (大连 第十条).
    pub refusal: Option<Refusal>,
    pub recorded_by: String,
}

/// A refusal to sign: why, and who saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: String,
    pub witness: String,
}

/// Checks a new document (or version) against its case.
pub fn check_document(case: &Case, steps: &[StageStep], document: &Document, previous: Option<&Document>) -> Result<(), StageRefused> {
    let reached = steps.iter().any(|step| matches!(step.step, Step::Enter { stage } | Step::Resume { stage } if stage == document.stage));
    if !reached {
        return Err(StageRefused {
            message: format!(
                "case {} has not been in {}; a document belongs to a stage the case has reached",
                case.number,
                document.stage.label_zh()
            ),
            article: "丰台 第十一条",
        });
    }
    let (required, article) = document.kind.required_fields();
    let missing: Vec<&str> =
        required.iter().copied().filter(|field| document.fields.get(*field).is_none_or(|value| value.trim().is_empty())).collect();
    if !missing.is_empty() {
        let named: Vec<String> = missing.iter().map(|field| format!("“{}”", field_label_zh(field))).collect();
        return Err(StageRefused {
            message: format!(
                "{}须填写{}。A {} needs {} filled in",
                document.kind.label_zh(),
                named.join("、"),
                document.kind.label_zh(),
                missing.join(", ")
            ),
            article,
        });
    }
    if document.kind == DocumentKind::ServiceReceipt {
        check_service_method(document)?;
    }
    if document.kind == DocumentKind::RightsNotice {
        check_rights(document)?;
    }
    if document.legal_basis.trim().is_empty() {
        return Err(StageRefused { message: "say the legal basis (法律依据) of the document".into(), article: "大连 第十四条" });
    }
    match previous {
        None if document.version != 1 || document.supersedes.is_some() => {
            Err(StageRefused { message: "a first version is version 1 and corrects nothing".into(), article: "丰台 第二十九条" })
        }
        Some(old) => {
            if old.case_id != document.case_id || old.kind != document.kind {
                return Err(StageRefused { message: "a correction keeps its case and its kind".into(), article: "丰台 第二十九条" });
            }
            if document.version != old.version + 1 || document.supersedes != Some(old.id) {
                return Err(StageRefused {
                    message: format!("a correction of version {} is version {}", old.version, old.version + 1),
                    article: "丰台 第二十九条",
                });
            }
            if document.amendment_reason.as_deref().is_none_or(|reason| reason.trim().is_empty()) {
                return Err(StageRefused { message: "say why the document is corrected".into(), article: "丰台 第二十九条" });
            }
            Ok(())
        }
        None => Ok(()),
    }
}

/// Checks a signature against its document: a refusal needs a reason and a
/// witness (大连 第十条); a document already corrected by a later version is
/// not signed any more (丰台 第二十九条).
pub fn check_signature(signature: &Signature, superseded: bool) -> Result<(), StageRefused> {
    if superseded {
        return Err(StageRefused {
            message: "this version was corrected by a later one; sign the later version".into(),
            article: "丰台 第二十九条",
        });
    }
    if let Some(refusal) = &signature.refusal {
        if refusal.reason.trim().is_empty() || refusal.witness.trim().is_empty() {
            return Err(StageRefused {
                message: "a refusal to sign is recorded with its reason and a witness".into(),
                article: "大连 第十条",
            });
        }
    }
    if let Signer::Party { name } | Signer::Witness { name } = &signature.signer {
        if name.trim().is_empty() {
            return Err(StageRefused { message: "say who signs".into(), article: "大连 第八条" });
        }
    }
    Ok(())
}

/// The canonical (English) name of a way of serving (大连 第十七条), read
/// from its English or Chinese name.
pub fn service_method(text: &str) -> Option<&'static str> {
    match text.trim() {
        "direct" | "直接送达" => Some("direct"),
        "leave_at_premises" | "留置送达" => Some("leave_at_premises"),
        "entrusted" | "委托送达" => Some("entrusted"),
        "forwarded" | "转交送达" | "转交" => Some("forwarded"),
        "postal" | "邮寄送达" => Some("postal"),
        "public_notice" | "公告送达" => Some("public_notice"),
        _ => None,
    }
}

/// What each way of serving needs on the receipt (大连 第十七条): leaving it
/// at the premises needs the refusal, a witness and an AV record; entrusted
/// or forwarded service the reason; postal service the mail receipt number;
/// public notice why nothing else worked, where it was published, and an AV
/// record.
fn check_service_method(receipt: &Document) -> Result<(), StageRefused> {
    let method = receipt.fields.get("method").map(|method| method.trim()).unwrap_or("");
    let needs: &[&str] = match method {
        "direct" | "直接送达" => &[],
        "leave_at_premises" | "留置送达" => &["refusal_reason", "witness", "av_record"],
        "entrusted" | "委托送达" | "forwarded" | "转交送达" => &["reason"],
        "postal" | "邮寄送达" => &["mail_receipt_no"],
        "public_notice" | "公告送达" => &["why_other_methods_failed", "published_where", "av_record"],
        other => {
            return Err(StageRefused {
                message: format!("`{other}` is not a way of serving: 直接送达, 留置送达, 委托送达, 转交送达, 邮寄送达 or 公告送达"),
                article: "大连 第十七条",
            })
        }
    };
    let missing: Vec<&str> =
        needs.iter().copied().filter(|field| receipt.fields.get(*field).is_none_or(|value| value.trim().is_empty())).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StageRefused { message: format!("{method} needs {} on the receipt", missing.join(", ")), article: "大连 第十七条" })
    }
}

/// What a correction still needs (丰台 第二十九条), from what was recorded
/// since: a correction touching the party's rights needs the legal
/// reviewer's signature and a service receipt naming the new version;
/// another correction needs the leader's signature. `None` when nothing is
/// missing, or the version is not a correction.
pub fn correction_pending(version: &Document, signatures: &[Signature], all: &[Document]) -> Option<&'static str> {
    version.supersedes?;
    let signed_by =
        |wanted: fn(&Signer) -> bool| signatures.iter().any(|signature| signature.refusal.is_none() && wanted(&signature.signer));
    if version.touches_rights {
        let reviewed = signed_by(|signer| matches!(signer, Signer::LegalReviewer { .. }));
        let id = version.id.to_string();
        let served = all.iter().any(|other| {
            other.kind == DocumentKind::ServiceReceipt && other.fields.get("document").is_some_and(|served| served.trim() == id)
        });
        match (reviewed, served) {
            (true, true) => None,
            (false, _) => Some("legal review (法制审核) and service again (重新送达)"),
            (true, false) => Some("service again (重新送达)"),
        }
    } else if signed_by(|signer| matches!(signer, Signer::Leader { .. })) {
        None
    } else {
        Some("the leader's approval (负责人批准)")
    }
}

/// The rights a party may be told of (大连 第九条).
pub const RIGHTS: [&str; 6] = ["陈述", "申辩", "申请回避", "听证", "申请复议", "诉讼"];

/// A rights notice names rights from [`RIGHTS`] (separated by 、 , or
/// spaces) and how they were told.
fn check_rights(notice: &Document) -> Result<(), StageRefused> {
    let listed = notice.fields.get("rights").map(String::as_str).unwrap_or("");
    let unknown: Vec<&str> =
        listed.split(['、', ',', '，', ' ']).map(str::trim).filter(|right| !right.is_empty() && !RIGHTS.contains(right)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(StageRefused {
            message: format!("{} is not a right to notify; the rights are {}", unknown.join(", "), RIGHTS.join("、")),
            article: "大连 第九条",
        })
    }
}

/// A simple-procedure penalty case concludes only with its on-the-spot
/// decision recorded (大连 第十六条).
pub fn check_simple_procedure(case: &Case, stage: Stage, documents: &[Document]) -> Result<(), StageRefused> {
    if case.procedure != crate::case::Procedure::Simple || case.act_kind != crate::case::ActKind::Penalty || stage != Stage::Conclusion {
        return Ok(());
    }
    if documents.iter().any(|document| document.kind == DocumentKind::OnTheSpotDecision) {
        Ok(())
    } else {
        Err(StageRefused {
            message: "a simple-procedure case is concluded with its on-the-spot decision (当场处罚决定书) recorded".into(),
            article: "大连 第十六条",
        })
    }
}

/// Coercive execution, by the agency or through a court, comes after a
/// demand notice (催告书) was made and served (大连 第十九条).
pub fn check_execution(case: &Case, stage: Stage, documents: &[Document]) -> Result<(), StageRefused> {
    if !matches!(stage, Stage::Execution | Stage::CourtEnforcement) || case.act_kind != crate::case::ActKind::Coercion {
        return Ok(());
    }
    let current: Vec<&Document> =
        documents.iter().filter(|document| !documents.iter().any(|other| other.supersedes == Some(document.id))).collect();
    let served = current.iter().filter(|document| document.kind == DocumentKind::DemandNotice).any(|notice| {
        let id = notice.id.to_string();
        current.iter().any(|receipt| {
            receipt.kind == DocumentKind::ServiceReceipt && receipt.fields.get("document").is_some_and(|served| served.trim() == id)
        })
    });
    if served {
        Ok(())
    } else {
        Err(StageRefused {
            message: format!("{} comes after a demand notice (催告书) was made and served", stage.label_zh()),
            article: "大连 第十九条",
        })
    }
}

/// Orders to correct whose due date has passed without a re-check recorded
/// after it (大连 第十八条: check the correction by its due date).
pub fn overdue_rechecks(documents: &[Document], steps: &[StageStep], now: Timestamp) -> Vec<crate::id::DocumentId> {
    documents
        .iter()
        .filter(|document| document.kind == DocumentKind::OrderToCorrectNotice)
        .filter(|order| !documents.iter().any(|other| other.supersedes == Some(order.id)))
        .filter_map(|order| {
            let due = parse_due(order.fields.get("due_by")?)?;
            let checked = steps.iter().any(|step| matches!(step.step, Step::Enter { stage: Stage::ReCheck }) && step.at >= order.made_at)
                || documents.iter().any(|record| {
                    record.made_at >= order.made_at
                        && matches!(record.kind, DocumentKind::InspectionRecord | DocumentKind::PerformanceRecord)
                });
            (due < now && !checked).then_some(order.id)
        })
        .collect()
}

/// Reads a due date: an instant, or a day (the end of that day, UTC+8).
fn parse_due(text: &str) -> Option<Timestamp> {
    if let Ok(instant) = text.trim().parse::<Timestamp>() {
        return Some(instant);
    }
    let day: jiff::civil::Date = text.trim().parse().ok()?;
    jiff::tz::offset(8).to_timestamp(day.tomorrow().ok()?.to_datetime(jiff::civil::Time::midnight())).ok()
}

/// A service receipt cannot say the document was served before the
/// decision it serves was made.
pub fn check_service_date(receipt: &Document, served: &Document) -> Result<(), StageRefused> {
    let Some(served_at) = receipt.fields.get("served_at").and_then(|text| text.parse::<Timestamp>().ok()) else {
        return Err(StageRefused {
            message: "served_at must be a time such as 2026-11-24T10:00:00+08:00".into(),
            article: "大连 第十七条",
        });
    };
    if served_at < served.made_at {
        return Err(StageRefused {
            message: format!("the {} cannot be served before it was made ({})", served.kind.label_zh(), served.made_at),
            article: "大连 第十七条",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{ActKind, CaseSource, Procedure};
    use crate::id::{AgencyId, UnitId};

    fn coercion() -> Case {
        let lead = OfficerId::new();
        Case {
            id: CaseId::new(),
            agency_id: AgencyId::new(),
            unit_id: UnitId::new(),
            number: "强-1".into(),
            act_kind: ActKind::Coercion,
            procedure: Procedure::General,
            source: CaseSource::Patrol,
            matter: "违法建设".into(),
            parties: vec![],
            lead_officer: lead,
            handlers: vec![lead],
            opened_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn document(case: &Case, kind: DocumentKind, fields: &[(&str, &str)], seconds: i64) -> Document {
        Document {
            id: DocumentId::new(),
            case_id: case.id,
            kind,
            stage: Stage::Service,
            version: 1,
            supersedes: None,
            amendment_reason: None,
            touches_rights: false,
            fields: fields.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect(),
            legal_basis: "《行政强制法》第三十五条".into(),
            made_by: case.lead_officer,
            made_at: Timestamp::from_second(1_795_000_000 + seconds).unwrap(),
            recorded_by: "console:test".into(),
        }
    }

    #[test]
    fn execution_comes_after_a_served_demand_notice_dalian_19() {
        let case = coercion();
        assert_eq!(check_execution(&case, Stage::Execution, &[]).unwrap_err().article, "大连 第十九条");
        let notice = document(&case, DocumentKind::DemandNotice, &[("obligation", "拆除"), ("due_by", "2026-12-01")], 0);
        assert!(check_execution(&case, Stage::CourtEnforcement, std::slice::from_ref(&notice)).is_err(), "made but not served");
        let receipt = document(&case, DocumentKind::ServiceReceipt, &[("document", &notice.id.to_string())], 10);
        check_execution(&case, Stage::Execution, &[notice.clone(), receipt]).unwrap();
        check_execution(&case, Stage::Investigation, &[]).unwrap();
    }

    #[test]
    fn orders_to_correct_are_rechecked_by_their_due_date_dalian_18() {
        let case = coercion();
        let order = document(&case, DocumentKind::OrderToCorrectNotice, &[("due_by", "2026-12-01")], 0);
        let before = "2026-12-01T12:00:00+08:00".parse().unwrap();
        let after = "2026-12-02T00:00:01+08:00".parse().unwrap();
        assert!(overdue_rechecks(std::slice::from_ref(&order), &[], before).is_empty(), "due at the end of the day");
        assert_eq!(overdue_rechecks(std::slice::from_ref(&order), &[], after), [order.id]);
        let recheck = document(&case, DocumentKind::InspectionRecord, &[], 100);
        assert!(overdue_rechecks(&[order, recheck], &[], after).is_empty());
    }

    #[test]
    fn service_receipts_carry_what_their_method_needs_dalian_17() {
        let case = coercion();
        let receipt = |method: &str, extra: &[(&str, &str)]| {
            let mut fields = vec![("document", "x"), ("method", method), ("served_at", "2026-11-24T10:00:00+08:00"), ("recipient", "王五")];
            fields.extend_from_slice(extra);
            document(&case, DocumentKind::ServiceReceipt, &fields, 0)
        };
        assert!(check_service_method(&receipt("直接送达", &[])).is_ok());
        let refused = check_service_method(&receipt("留置送达", &[("witness", "孙某")])).unwrap_err();
        assert!(refused.message.contains("refusal_reason") && refused.message.contains("av_record"), "{refused}");
        assert!(check_service_method(&receipt(
            "公告送达",
            &[("why_other_methods_failed", "下落不明"), ("published_where", "公告栏"), ("av_record", "m")]
        ))
        .is_ok());
        assert!(check_service_method(&receipt("飞鸽传书", &[])).is_err());
    }

    #[test]
    fn rights_notices_name_real_rights_dalian_9_and_simple_cases_need_their_decision_dalian_16() {
        let case = coercion();
        let notice = |rights: &str| document(&case, DocumentKind::RightsNotice, &[("rights", rights), ("method", "口头告知并记录")], 0);
        check_rights(&notice("陈述、申辩，听证 申请复议")).unwrap();
        assert_eq!(check_rights(&notice("陈述、上诉")).unwrap_err().article, "大连 第九条");

        let mut simple = coercion();
        simple.act_kind = crate::case::ActKind::Penalty;
        simple.procedure = crate::case::Procedure::Simple;
        assert_eq!(check_simple_procedure(&simple, Stage::Conclusion, &[]).unwrap_err().article, "大连 第十六条");
        let decision = document(&simple, DocumentKind::OnTheSpotDecision, &[], 0);
        check_simple_procedure(&simple, Stage::Conclusion, &[decision]).unwrap();
        check_simple_procedure(&simple, Stage::Service, &[]).unwrap();
    }
}

//! The demo's cases besides the first: three dozen of 思明区's everyday
//! matters, each walked through `liuhen_cases` to where it stands, with the
//! documents, opinions and footage that got it there.
//!
//! They are spread so that every role finds work: filing and decision
//! approvals half-done wait on the leader (审核人, 批准人) and the legal
//! reviewer (法制审核); an emergency start waits for its approval within
//! 24 h (大连 第六条); concluded cases wait for the archivist; one
//! questioning has no AV record linked yet (厦门 二（三）), so its deadline
//! runs. Squad one's cases link 李娜's footage, squad two's 刘洋's; 张伟
//! keeps only the first case, which the page tests rely on.

use std::collections::VecDeque;

use liuhen_core::case::{ActKind, ApprovalMatter, ApprovalRole, Case, CaseSource, Party, PartyKind, Procedure, RecordedItem, Stage};
use liuhen_core::document::{Document, DocumentKind};
use liuhen_core::id::{AgencyId, MediaId};

use super::media::{self, Footage};
use super::LEADER;
use crate::instance::{console_actor, Instance};

mod specs;

use specs::{specs, Reach, Spec, COERCION};

/// The legal reviewer's badge (赵敏).
const LEGAL_REVIEWER: &str = "35020002";

/// The year cases are numbered in (China time).
pub(super) fn year(instance: &Instance) -> anyhow::Result<i16> {
    Ok(jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(instance.config.ingest.offset()?)).year())
}

/// Opens and walks every case in [`specs`]; returns how many.
pub(super) async fn open_all(instance: &Instance, agency_id: AgencyId, footage: &Footage) -> anyhow::Result<usize> {
    let year = year(instance)?;
    let mut desk = Desk {
        instance,
        actor: console_actor(),
        squad_one: footage.pool(media::squad_one_keys()),
        squad_two: footage.pool(media::squad_two_keys()),
        receipts: 0,
    };
    // The first penalty case is the one `demo_case` opened.
    let mut numbers =
        [(ActKind::Penalty, "罚", 1), (ActKind::Coercion, "强", 0), (ActKind::Inspection, "检", 0), (ActKind::Licensing, "许", 0)];
    let specs = specs();
    for spec in &specs {
        let (_, prefix, count) = numbers.iter_mut().find(|(kind, _, _)| *kind == spec.kind).expect("every kind is numbered");
        *count += 1;
        let number = format!("思城管{prefix}〔{year}〕{count}号");
        let request = liuhen_cases::NewCase {
            act_kind: spec.kind,
            procedure: if spec.simple { Procedure::Simple } else { Procedure::General },
            source: spec.source,
            matter: spec.matter.into(),
            number: Some(number),
            unit_code: None,
            lead: spec.team[0].into(),
            handlers: spec.team[1..].iter().map(|badge| (*badge).to_owned()).collect(),
            parties: vec![Party {
                kind: if spec.organisation { PartyKind::Organisation } else { PartyKind::Person },
                name: spec.party.into(),
                id_number: None,
            }],
        };
        let case = liuhen_cases::open_case(&instance.ledger, request, &desk.actor, agency_id, year).await?;
        match (spec.kind, spec.simple) {
            (ActKind::Penalty, true) => desk.simple(spec, &case).await?,
            (ActKind::Penalty | ActKind::Coercion, false) => desk.general(spec, &case).await?,
            (ActKind::Inspection, _) => desk.inspection(spec, &case).await?,
            _ => desk.licensing(spec, &case).await?,
        }
    }
    Ok(specs.len())
}

/// Records case work from the console, linking footage as it goes.
struct Desk<'a> {
    instance: &'a Instance,
    actor: String,
    squad_one: VecDeque<MediaId>,
    squad_two: VecDeque<MediaId>,
    receipts: u32,
}

impl Desk<'_> {
    /// A penalty or coercion case in general procedure.
    async fn general(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        use Reach::*;
        let lead = spec.team[0];
        let source = match spec.source {
            CaseSource::Complaint => "群众投诉举报",
            CaseSource::Transfer => "相关部门移送",
            CaseSource::Assignment => "上级交办",
            _ => "日常巡查发现",
        };
        self.enter(case, Stage::Intake, source).await?;
        if spec.reach == Received {
            return Ok(());
        }
        let start = [
            (ApprovalRole::Handler, lead, "拟立案调查"),
            (ApprovalRole::Reviewer, LEADER, "同意"),
            (ApprovalRole::Approver, LEADER, "同意立案"),
        ];
        let given = match spec.reach {
            StartChain(given) => given,
            Emergency => 1,
            _ => 3,
        };
        for (role, badge, opinion) in &start[..given] {
            self.opinion(case, ApprovalMatter::Start, *role, badge, opinion).await?;
        }
        if matches!(spec.reach, StartChain(_)) {
            return Ok(());
        }
        let emergency = spec.reach == Emergency;
        let note = if emergency { "情况紧急，先行立案调查，24 小时内补办立案审批" } else { "" };
        liuhen_cases::enter_stage(&self.instance.ledger, case, Stage::Filing, note, emergency, &self.actor).await?;
        let filing = [
            ("reason", format!("当事人涉嫌{}", spec.matter)),
            ("source", source.to_owned()),
            ("facts", format!("{}：{}", spec.place, spec.matter)),
            ("party", spec.party.to_owned()),
            ("handler_opinion", "建议立案调查".to_owned()),
        ];
        self.document(case, DocumentKind::FilingApproval, Stage::Filing, &filing, spec.basis, lead).await?;
        if emergency {
            return Ok(());
        }
        self.enter(case, Stage::Investigation, "现场检查、调查取证").await?;
        if spec.awaiting_av {
            self.questioning(spec, case).await?;
        } else {
            self.inspection_record(spec, case, Stage::Investigation).await?;
        }
        if let Some((stage, items)) = spec.measure {
            self.enter(case, stage, "证据可能灭失，依法采取措施").await?;
            let fields =
                [("reason", "证据可能灭失或者以后难以取得".to_owned()), ("items", items.to_owned()), ("form", stage.label_zh().to_owned())];
            self.document(case, DocumentKind::EvidencePreservationList, stage, &fields, spec.basis, lead).await?;
            self.link(spec, case, stage, RecordedItem::EvidencePreservation, &format!("{}：{items}", stage.label_zh())).await?;
        }
        match spec.reach {
            Investigating => return Ok(()),
            Suspended => {
                self.enter(case, Stage::Suspension, "当事人申请对损坏设施价值进行鉴定，案件中止调查").await?;
                return Ok(());
            }
            _ => {}
        }
        self.enter(case, Stage::ReviewDecision, "调查终结，拟作出处理决定").await?;
        if !self.decision_chain(spec, case).await? {
            return Ok(());
        }
        let facts = format!("当事人{}在{}{}", spec.party, spec.place, spec.matter);
        let decision = if spec.kind == ActKind::Coercion {
            let fields =
                [("facts", facts), ("mode", spec.decision.to_owned()), ("legal_basis_detail", format!("{}及相关规定", spec.basis))];
            self.document(case, DocumentKind::CoercionDecision, Stage::ReviewDecision, &fields, COERCION, lead).await?
        } else {
            let fields = [
                ("facts", facts),
                ("evidence", "现场检查笔录、现场照片、音像记录".to_owned()),
                ("decision", spec.decision.to_owned()),
                ("rights_notified", "已告知当事人陈述、申辩、听证的权利".to_owned()),
            ];
            self.document(case, DocumentKind::PenaltyDecision, Stage::ReviewDecision, &fields, spec.basis, lead).await?
        };
        self.enter(case, Stage::Service, "").await?;
        self.serve(spec, case, &decision).await?;
        if spec.kind == ActKind::Coercion {
            let due =
                (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(72)).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
            let fields = [("obligation", format!("自行{}违法建筑物、构筑物、设施", spec.decision)), ("due_by", due.date().to_string())];
            let notice = self.document(case, DocumentKind::DemandNotice, Stage::Service, &fields, COERCION, lead).await?;
            self.receipt(spec, case, &notice).await?;
        }
        if spec.reach == Served {
            return Ok(());
        }
        if spec.kind == ActKind::Coercion {
            self.enter(case, Stage::Execution, "催告期满未履行，依法强制执行").await?;
            self.link(spec, case, Stage::Execution, RecordedItem::Coercion, &format!("{}现场：{}", spec.decision, spec.place)).await?;
            if spec.reach == Executing {
                return Ok(());
            }
        }
        self.conclude(spec, case).await
    }

    /// A simple-procedure penalty (当场处罚, 大连 第十六条).
    async fn simple(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        let lead = spec.team[0];
        self.enter(case, Stage::Intake, "巡查当场发现").await?;
        self.enter(case, Stage::ReviewDecision, "事实清楚，适用简易程序").await?;
        self.opinion(case, ApprovalMatter::Decision, ApprovalRole::Handler, lead, &format!("建议当场{}", spec.decision)).await?;
        self.opinion(case, ApprovalMatter::Decision, ApprovalRole::Approver, LEADER, "同意").await?;
        let fields = [
            ("facts", format!("当事人{}在{}{}", spec.party, spec.place, spec.matter)),
            ("legal_conditions", "违法事实确凿并有法定依据，对公民处以二百元以下罚款（《中华人民共和国行政处罚法》第五十一条）".to_owned()),
            ("statement", "当事人未提出陈述、申辩".to_owned()),
            ("statement_review", "无".to_owned()),
            ("decision", spec.decision.to_owned()),
            ("filing_record", "已报所属中队备案".to_owned()),
        ];
        let decision = self.document(case, DocumentKind::OnTheSpotDecision, Stage::ReviewDecision, &fields, spec.basis, lead).await?;
        self.enter(case, Stage::Service, "当场交付").await?;
        self.serve(spec, case, &decision).await?;
        self.conclude(spec, case).await
    }

    /// An inspection: the on-site check and its record, an order to
    /// correct served, the re-check.
    async fn inspection(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        let lead = spec.team[0];
        self.enter(case, Stage::OnSiteCheck, "现场核查").await?;
        if spec.reach == Reach::Received {
            return Ok(());
        }
        self.inspection_record(spec, case, Stage::OnSiteCheck).await?;
        if spec.reach == Reach::Investigating {
            return Ok(());
        }
        self.enter(case, Stage::OrderToCorrect, "").await?;
        let due =
            (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(7 * 24)).to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
        let fields = [
            ("violation", format!("{}{}", spec.place, spec.decision)),
            ("correction", "按要求整改到位".to_owned()),
            ("due_by", due.date().to_string()),
        ];
        let order = self.document(case, DocumentKind::OrderToCorrectNotice, Stage::OrderToCorrect, &fields, spec.basis, lead).await?;
        self.enter(case, Stage::Service, "").await?;
        self.serve(spec, case, &order).await?;
        if spec.reach == Reach::Served {
            return Ok(());
        }
        self.enter(case, Stage::ReCheck, "复查").await?;
        let fields = [("performed", "已按期整改".to_owned()), ("details", format!("复查时{}已整改到位", spec.place))];
        self.document(case, DocumentKind::PerformanceRecord, Stage::ReCheck, &fields, spec.basis, lead).await?;
        if spec.reach == Reach::Archived {
            self.archive(case).await?;
        }
        Ok(())
    }

    /// A licence: received, accepted (and surveyed), decided, served.
    async fn licensing(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        self.enter(case, Stage::Receipt, "收到申请材料").await?;
        if spec.reach == Reach::Received {
            return Ok(());
        }
        self.enter(case, Stage::Acceptance, "申请材料齐全，符合法定形式，予以受理").await?;
        if spec.reach == Reach::Investigating {
            self.enter(case, Stage::Survey, "现场勘验设置地点").await?;
            return Ok(());
        }
        self.enter(case, Stage::ReviewDecision, "").await?;
        if !self.decision_chain(spec, case).await? {
            return Ok(());
        }
        self.enter(case, Stage::Service, "准予许可决定书已送达申请人").await?;
        if spec.reach == Reach::Archived {
            self.archive(case).await?;
        }
        Ok(())
    }

    /// The decision chain (大连 第二十八条), as far as the spec says;
    /// whether it is complete.
    async fn decision_chain(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<bool> {
        let proposal = match spec.kind {
            ActKind::Licensing => "申请符合法定条件，建议准予许可".to_owned(),
            _ => format!("建议{}", spec.decision),
        };
        let chain = [
            (ApprovalRole::Handler, spec.team[0], proposal.as_str()),
            (ApprovalRole::Reviewer, LEADER, "同意承办人意见"),
            (ApprovalRole::LegalReview, LEGAL_REVIEWER, "事实清楚，证据确凿，适用依据正确，程序合法"),
            (ApprovalRole::Approver, LEADER, "同意"),
        ];
        let given = match spec.reach {
            Reach::DecisionChain(given) => given,
            _ => chain.len(),
        };
        for (role, badge, opinion) in &chain[..given] {
            self.opinion(case, ApprovalMatter::Decision, *role, badge, opinion).await?;
            if *role == ApprovalRole::LegalReview {
                let fields = [("opinion", format!("经审核，{opinion}，同意承办人意见"))];
                self.document(case, DocumentKind::LegalReviewOpinion, Stage::ReviewDecision, &fields, spec.basis, LEGAL_REVIEWER).await?;
            }
        }
        Ok(given == chain.len())
    }

    /// Serves a document and, served in person, links the footage of it.
    async fn serve(&mut self, spec: &Spec, case: &Case, document: &Document) -> anyhow::Result<()> {
        self.receipt(spec, case, document).await?;
        if !spec.postal {
            let label = format!("送达{}：{}", document.kind.label_zh(), spec.party);
            self.link(spec, case, Stage::Service, RecordedItem::Service, &label).await?;
        }
        Ok(())
    }

    async fn receipt(&mut self, spec: &Spec, case: &Case, document: &Document) -> anyhow::Result<()> {
        self.receipts += 1;
        let mut fields = vec![
            ("document", document.id.to_string()),
            ("served_at", jiff::Timestamp::now().to_string()),
            ("recipient", spec.party.to_owned()),
        ];
        if spec.postal {
            fields.push(("method", "邮寄送达".to_owned()));
            fields.push(("mail_receipt_no", format!("1186{:09}", 350_200_000 + self.receipts)));
        } else {
            fields.push(("method", "直接送达".to_owned()));
        }
        self.document(case, DocumentKind::ServiceReceipt, Stage::Service, &fields, spec.basis, spec.team[0]).await?;
        Ok(())
    }

    async fn conclude(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        self.enter(case, Stage::Conclusion, "").await?;
        let fields = [
            ("summary", format!("当事人{}{}一案，已依法作出处理决定并送达", spec.party, spec.matter)),
            ("outcome", format!("{}，当事人已履行", spec.decision)),
        ];
        self.document(case, DocumentKind::ClosingReport, Stage::Conclusion, &fields, spec.basis, spec.team[0]).await?;
        if spec.reach == Reach::Archived {
            self.archive(case).await?;
        }
        Ok(())
    }

    async fn archive(&mut self, case: &Case) -> anyhow::Result<()> {
        liuhen_cases::archive_case(&self.instance.ledger, case, "案卷材料齐全，已立卷归档", &self.actor).await?;
        Ok(())
    }

    /// The on-site inspection record, signed, and its footage linked.
    async fn inspection_record(&mut self, spec: &Spec, case: &Case, stage: Stage) -> anyhow::Result<()> {
        let findings = match (spec.kind, spec.decision) {
            (ActKind::Inspection, found) => format!("经现场检查，{}存在以下问题：{found}", spec.place),
            _ => format!("经现场检查，当事人{}在{}{}，已拍照取证", spec.party, spec.place, spec.matter),
        };
        let fields = [
            ("place", spec.place.to_owned()),
            ("started_at", "09:30".to_owned()),
            ("ended_at", "09:55".to_owned()),
            ("findings", findings),
        ];
        let record = self.document(case, DocumentKind::InspectionRecord, stage, &fields, spec.basis, spec.team[0]).await?;
        self.sign(spec, &record).await?;
        self.link(spec, case, stage, RecordedItem::OnSiteInspection, &format!("现场检查：{}", spec.matter)).await
    }

    /// The questioning of the party, signed; its footage is not linked yet.
    async fn questioning(&mut self, spec: &Spec, case: &Case) -> anyhow::Result<()> {
        let fields = [
            ("place", format!("{}（现场）", spec.place)),
            ("started_at", "14:00".to_owned()),
            ("ended_at", "14:30".to_owned()),
            ("questions_and_answers", format!("问：{}是否为你所建？\n答：是。\n问：是否取得建设工程规划许可证？\n答：没有。", spec.place)),
        ];
        let record = self.document(case, DocumentKind::InquiryRecord, Stage::Investigation, &fields, spec.basis, spec.team[0]).await?;
        self.sign(spec, &record).await
    }

    async fn sign(&mut self, spec: &Spec, document: &Document) -> anyhow::Result<()> {
        let mut signers: Vec<liuhen_cases::SignerRequest> = spec.team[..2]
            .iter()
            .map(|badge| liuhen_cases::SignerRequest::Officer { badge: (*badge).to_owned(), certificate_shown: true })
            .collect();
        signers.push(liuhen_cases::SignerRequest::Party { name: spec.party.to_owned() });
        for signer in signers {
            let signature = liuhen_cases::NewSignature { signer, refusal: None };
            liuhen_cases::sign_document(&self.instance.ledger, document.id, signature, &self.actor).await?;
        }
        Ok(())
    }

    /// Links the squad's next recording, if the demo has footage.
    async fn link(&mut self, spec: &Spec, case: &Case, stage: Stage, item: RecordedItem, label: &str) -> anyhow::Result<()> {
        let pool = if spec.team[0].starts_with("3502001") { &mut self.squad_one } else { &mut self.squad_two };
        let Some(media) = pool.pop_front() else { return Ok(()) };
        let link = liuhen_cases::NewLink { media: media.to_string(), stage, item, location: spec.place.into(), label: label.into() };
        liuhen_cases::link_recording(&self.instance.ledger, case, link, &self.actor).await?;
        Ok(())
    }

    async fn enter(&mut self, case: &Case, stage: Stage, note: &str) -> anyhow::Result<()> {
        liuhen_cases::enter_stage(&self.instance.ledger, case, stage, note, false, &self.actor).await?;
        Ok(())
    }

    async fn opinion(&mut self, case: &Case, matter: ApprovalMatter, role: ApprovalRole, badge: &str, opinion: &str) -> anyhow::Result<()> {
        let request =
            liuhen_cases::NewApproval { matter, role, officer: Some(badge.to_owned()), opinion: opinion.to_owned(), approved: true };
        liuhen_cases::approve(&self.instance.ledger, case, request, &self.actor).await?;
        Ok(())
    }

    async fn document<V: AsRef<str>>(
        &mut self,
        case: &Case,
        kind: DocumentKind,
        stage: Stage,
        fields: &[(&str, V)],
        basis: &str,
        maker: &str,
    ) -> anyhow::Result<Document> {
        let request = liuhen_cases::NewDocument {
            kind,
            stage,
            fields: fields.iter().map(|(name, value)| ((*name).to_owned(), value.as_ref().to_owned())).collect(),
            legal_basis: Some(basis.to_owned()),
            made_by: maker.to_owned(),
            touches_rights: false,
        };
        Ok(liuhen_cases::make_document(&self.instance.ledger, case, request, None, &self.actor).await?)
    }
}

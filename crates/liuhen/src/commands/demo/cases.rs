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

/// The legal reviewer's badge (赵敏).
const LEGAL_REVIEWER: &str = "35020002";

/// Where a case is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// Just received (受案 / 接收 / 现场核查 begun).
    Received,
    /// Its start (立案) approval with this many of three opinions.
    StartChain(usize),
    /// Filing started as an emergency, its approval still to come.
    Emergency,
    /// Evidence being gathered (调查取证; an inspection's record made; a
    /// licence application accepted).
    Investigating,
    /// Suspended (中止) during the investigation.
    Suspended,
    /// In 审查决定 with this many of the decision chain's four opinions.
    DecisionChain(usize),
    /// The decision (or order to correct) served.
    Served,
    /// A coercion case being executed (执行).
    Executing,
    Concluded,
    Archived,
}

/// One demo case.
struct Spec {
    kind: ActKind,
    simple: bool,
    source: CaseSource,
    matter: &'static str,
    organisation: bool,
    party: &'static str,
    place: &'static str,
    /// The legal basis its documents cite.
    basis: &'static str,
    /// What is decided (a penalty, a coercive measure), or for an
    /// inspection what it found.
    decision: &'static str,
    /// Badge numbers, the lead first.
    team: &'static [&'static str],
    reach: Reach,
    /// Served by post (no AV record of the service is needed).
    postal: bool,
    /// A special stage during the investigation, with what it keeps.
    measure: Option<(Stage, &'static str)>,
    /// The questioning is recorded, its AV record not yet linked.
    awaiting_av: bool,
}

const SPEC: Spec = Spec {
    kind: ActKind::Penalty,
    simple: false,
    source: CaseSource::Patrol,
    matter: "",
    organisation: false,
    party: "",
    place: "",
    basis: CITY_APPEARANCE,
    decision: "",
    team: SQUAD_ONE,
    reach: Reach::Received,
    postal: false,
    measure: None,
    awaiting_av: false,
};

const SQUAD_ONE: &[&str] = &["35020012", "35020014"];
const SQUAD_ONE_B: &[&str] = &["35020014", "35020012", "35020013"];
const SQUAD_TWO: &[&str] = &["35020021", "35020022"];
const SQUAD_TWO_B: &[&str] = &["35020022", "35020021"];

const CITY_APPEARANCE: &str = "《城市市容和环境卫生管理条例》";
const CONSTRUCTION_WASTE: &str = "《城市建筑垃圾管理规定》";
const PLANNING: &str = "《中华人民共和国城乡规划法》";
const ROADS: &str = "《城市道路管理条例》";
const COERCION: &str = "《中华人民共和国行政强制法》";

fn specs() -> Vec<Spec> {
    use ActKind::{Coercion, Inspection, Licensing};
    use Reach::*;
    vec![
        // 行政处罚.
        Spec {
            matter: "占道经营（流动摊贩沿街叫卖）",
            party: "林阿水",
            place: "思明区开禾路八市周边",
            decision: "罚款人民币二百元",
            ..SPEC
        },
        Spec {
            source: CaseSource::Complaint,
            matter: "违规设置户外广告（擅自设置落地广告牌）",
            organisation: true,
            party: "厦门佳美装饰工程有限公司",
            place: "思明区思明南路 188 号",
            decision: "责令限期拆除，罚款人民币一千元",
            team: SQUAD_TWO,
            reach: StartChain(1),
            ..SPEC
        },
        Spec {
            matter: "建筑垃圾违规倾倒",
            organisation: true,
            party: "厦门鑫达土石方工程有限公司",
            place: "思明区环岛南路曾厝垵段",
            basis: CONSTRUCTION_WASTE,
            decision: "罚款人民币五千元",
            team: SQUAD_TWO_B,
            reach: StartChain(2),
            ..SPEC
        },
        Spec {
            source: CaseSource::Complaint,
            matter: "餐饮油烟扰民（未安装油烟净化设施）",
            organisation: true,
            party: "厦门海悦餐饮有限公司",
            place: "思明区大学路 52 号",
            basis: "《中华人民共和国大气污染防治法》",
            decision: "责令改正，罚款人民币五千元",
            team: SQUAD_ONE_B,
            reach: Emergency,
            ..SPEC
        },
        Spec {
            matter: "共享单车乱停放，占用人行道",
            organisation: true,
            party: "厦门骑行者共享科技有限公司",
            place: "思明区中山路步行街口",
            decision: "罚款人民币五百元",
            team: SQUAD_TWO,
            reach: Investigating,
            ..SPEC
        },
        Spec {
            source: CaseSource::Complaint,
            matter: "违法建设（屋顶违规加盖）",
            party: "黄建国",
            place: "思明区沙坡尾 3 号",
            basis: PLANNING,
            decision: "责令限期拆除",
            team: SQUAD_TWO_B,
            reach: Investigating,
            awaiting_av: true,
            ..SPEC
        },
        Spec {
            matter: "店外经营，占用人行道摆放桌椅",
            organisation: true,
            party: "厦门禾记餐饮店",
            place: "思明区中山路 76 号",
            decision: "罚款人民币三百元",
            reach: DecisionChain(1),
            ..SPEC
        },
        Spec {
            matter: "擅自占用城市道路堆放建筑材料",
            organisation: true,
            party: "厦门宏泰建设工程有限公司",
            place: "思明区厦禾路 865 号",
            basis: ROADS,
            decision: "罚款人民币二千元",
            team: SQUAD_TWO,
            reach: DecisionChain(2),
            ..SPEC
        },
        Spec {
            source: CaseSource::Complaint,
            matter: "乱张贴小广告",
            party: "郑小兵",
            place: "思明区湖滨南路 388 号",
            decision: "罚款人民币一百元",
            team: SQUAD_ONE_B,
            reach: DecisionChain(2),
            ..SPEC
        },
        Spec {
            matter: "违规设置户外广告（LED 显示屏未经许可）",
            organisation: true,
            party: "厦门星光文化传媒有限公司",
            place: "思明区莲前西路 2 号",
            decision: "责令限期拆除，罚款人民币二千元",
            team: SQUAD_TWO_B,
            reach: DecisionChain(3),
            ..SPEC
        },
        Spec {
            matter: "占道经营（店铺超出门窗外墙经营）",
            organisation: true,
            party: "厦门禾记百货商行",
            place: "思明区开禾路 101 号",
            decision: "罚款人民币五百元",
            reach: Served,
            ..SPEC
        },
        Spec {
            matter: "未按规定分类投放生活垃圾",
            organisation: true,
            party: "厦门鹭港酒店管理有限公司",
            place: "思明区鹭江道 8 号",
            basis: "《厦门经济特区生活垃圾分类管理办法》",
            decision: "罚款人民币一千元",
            team: SQUAD_ONE_B,
            reach: Concluded,
            postal: true,
            ..SPEC
        },
        Spec {
            source: CaseSource::Transfer,
            matter: "擅自挖掘城市道路",
            organisation: true,
            party: "厦门通达管网工程有限公司",
            place: "思明区文屏路",
            basis: ROADS,
            decision: "罚款人民币一万元",
            team: SQUAD_TWO,
            reach: Concluded,
            postal: true,
            ..SPEC
        },
        Spec {
            matter: "违规设置户外广告（擅自悬挂横幅）",
            organisation: true,
            party: "厦门万象教育咨询有限公司",
            place: "思明区禾祥西路 23 号",
            decision: "罚款人民币二百元",
            reach: Archived,
            postal: true,
            ..SPEC
        },
        Spec {
            matter: "占道经营（夜市摊点超范围经营）",
            party: "许阿明",
            place: "思明区镇海路",
            decision: "罚款人民币二百元",
            team: SQUAD_TWO_B,
            reach: Archived,
            postal: true,
            ..SPEC
        },
        Spec {
            simple: true,
            matter: "占道洗车",
            party: "杨志强",
            place: "思明区白鹭洲路",
            decision: "罚款人民币五十元",
            team: &["35020014", "35020013"],
            reach: Concluded,
            ..SPEC
        },
        Spec {
            simple: true,
            matter: "随意倾倒生活污水",
            party: "吴美玲",
            place: "思明区民族路 55 号",
            decision: "罚款人民币五十元",
            team: &["35020012", "35020013"],
            reach: Archived,
            ..SPEC
        },
        Spec {
            matter: "占道经营（流动早餐车）",
            party: "蔡文华",
            place: "思明区演武路",
            decision: "罚款人民币二百元",
            team: &["35020012", "35020014", "35020013"],
            reach: Investigating,
            measure: Some((Stage::RegistrationPreservation, "流动早餐车一辆、液化气瓶一个")),
            ..SPEC
        },
        Spec {
            matter: "损坏城市道路附属设施（车辆撞毁护栏）",
            organisation: true,
            party: "厦门顺风物流有限公司",
            place: "思明区湖滨北路",
            basis: ROADS,
            decision: "责令赔偿并罚款人民币一千元",
            team: SQUAD_TWO,
            reach: Suspended,
            ..SPEC
        },
        Spec {
            source: CaseSource::Assignment,
            matter: "建筑垃圾运输车辆未密闭、沿途撒漏",
            organisation: true,
            party: "厦门恒通运输有限公司",
            place: "思明区环岛干道",
            basis: CONSTRUCTION_WASTE,
            decision: "罚款人民币三千元",
            team: SQUAD_TWO_B,
            reach: Served,
            ..SPEC
        },
        // 行政强制.
        Spec {
            kind: Coercion,
            matter: "违法建设强制拆除（违规搭建铁皮房）",
            party: "曾国平",
            place: "思明区曾厝垵社区",
            basis: PLANNING,
            decision: "强制拆除",
            team: SQUAD_TWO,
            reach: Executing,
            ..SPEC
        },
        Spec {
            kind: Coercion,
            matter: "违法建设强制拆除（违规扩建阳台）",
            party: "陈志明",
            place: "思明区前埔北区",
            basis: PLANNING,
            decision: "强制拆除",
            team: SQUAD_TWO_B,
            reach: Concluded,
            ..SPEC
        },
        Spec {
            kind: Coercion,
            source: CaseSource::Complaint,
            matter: "查封无证经营的建筑垃圾中转场所",
            organisation: true,
            party: "厦门金沙再生资源有限公司",
            place: "思明区环岛东路",
            basis: COERCION,
            decision: "查封",
            team: SQUAD_TWO,
            reach: Investigating,
            measure: Some((Stage::Sealing, "建筑垃圾中转场所一处、装载机一台")),
            ..SPEC
        },
        Spec {
            kind: Coercion,
            matter: "扣押占道经营的经营工具",
            party: "苏小红",
            place: "思明区中山路",
            basis: COERCION,
            decision: "扣押",
            reach: Received,
            ..SPEC
        },
        Spec {
            kind: Coercion,
            source: CaseSource::Complaint,
            matter: "强制拆除违规设置的户外广告设施",
            organisation: true,
            party: "厦门博雅广告有限公司",
            place: "思明区湖滨南路",
            basis: COERCION,
            decision: "强制拆除",
            team: SQUAD_ONE_B,
            reach: StartChain(1),
            ..SPEC
        },
        Spec {
            kind: Coercion,
            matter: "违法建设强制拆除（天台违建）",
            party: "林金福",
            place: "思明区厦禾路",
            basis: PLANNING,
            decision: "强制拆除",
            team: SQUAD_TWO_B,
            reach: DecisionChain(2),
            ..SPEC
        },
        // 行政检查.
        Spec {
            kind: Inspection,
            matter: "市容环境卫生责任区检查",
            organisation: true,
            party: "厦门好运来商贸有限公司",
            place: "思明区中山路 158 号",
            decision: "门前堆放杂物，责任区卫生不洁",
            reach: Investigating,
            ..SPEC
        },
        Spec {
            kind: Inspection,
            source: CaseSource::Assignment,
            matter: "户外广告设施安全检查",
            organisation: true,
            party: "厦门星辰广告有限公司",
            place: "思明区湖滨东路",
            decision: "广告牌固定件锈蚀，存在坠落隐患",
            team: SQUAD_ONE_B,
            reach: Served,
            ..SPEC
        },
        Spec {
            kind: Inspection,
            matter: "建筑工地扬尘防治检查",
            organisation: true,
            party: "厦门宏泰建设工程有限公司",
            place: "思明区会展南路",
            basis: CONSTRUCTION_WASTE,
            decision: "裸露土方未覆盖，出入口未冲洗车辆",
            team: SQUAD_TWO,
            reach: Concluded,
            postal: true,
            ..SPEC
        },
        Spec {
            kind: Inspection,
            source: CaseSource::Complaint,
            matter: "餐饮单位油烟净化设施检查",
            organisation: true,
            party: "厦门老街小吃店",
            place: "思明区大同路",
            basis: "《中华人民共和国大气污染防治法》",
            decision: "油烟净化设施未定期清洗",
            reach: Archived,
            postal: true,
            ..SPEC
        },
        Spec {
            kind: Inspection,
            matter: "共享单车停放秩序检查",
            organisation: true,
            party: "厦门骑行者共享科技有限公司",
            place: "思明区轮渡码头周边",
            decision: "",
            team: SQUAD_TWO_B,
            reach: Received,
            ..SPEC
        },
        // 行政许可.
        Spec {
            kind: Licensing,
            source: CaseSource::Application,
            matter: "临时占用城市道路许可（搭设施工围挡）",
            organisation: true,
            party: "厦门宏泰建设工程有限公司",
            place: "思明区思明北路",
            basis: ROADS,
            reach: Received,
            ..SPEC
        },
        Spec {
            kind: Licensing,
            source: CaseSource::Application,
            matter: "设置大型户外广告设施许可",
            organisation: true,
            party: "厦门星光文化传媒有限公司",
            place: "思明区厦禾路",
            team: SQUAD_TWO,
            reach: Investigating,
            ..SPEC
        },
        Spec {
            kind: Licensing,
            source: CaseSource::Application,
            matter: "城市建筑垃圾处置核准",
            organisation: true,
            party: "厦门鑫达土石方工程有限公司",
            place: "思明区",
            basis: CONSTRUCTION_WASTE,
            team: SQUAD_ONE_B,
            reach: DecisionChain(1),
            ..SPEC
        },
        Spec {
            kind: Licensing,
            source: CaseSource::Application,
            matter: "挖掘城市道路许可（燃气管道维修）",
            organisation: true,
            party: "厦门通达管网工程有限公司",
            place: "思明区文屏路",
            basis: ROADS,
            team: SQUAD_TWO_B,
            reach: Archived,
            ..SPEC
        },
        Spec {
            kind: Licensing,
            source: CaseSource::Application,
            matter: "临时占用城市道路许可（举办促销活动）",
            organisation: true,
            party: "厦门鹭岛商业管理有限公司",
            place: "思明区湖滨南路",
            basis: ROADS,
            reach: Concluded,
            ..SPEC
        },
    ]
}

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

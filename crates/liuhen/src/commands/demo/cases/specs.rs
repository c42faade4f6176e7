//! What each demo case is: its matter, party, legal basis, team and how
//! far it is walked ([`Reach`]). Data only; [`super`] walks them.

use liuhen_core::case::{ActKind, CaseSource, Stage};

/// Where a case is left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
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
pub(super) struct Spec {
    pub(super) kind: ActKind,
    pub(super) simple: bool,
    pub(super) source: CaseSource,
    pub(super) matter: &'static str,
    pub(super) organisation: bool,
    pub(super) party: &'static str,
    pub(super) place: &'static str,
    /// The legal basis its documents cite.
    pub(super) basis: &'static str,
    /// What is decided (a penalty, a coercive measure), or for an
    /// inspection what it found.
    pub(super) decision: &'static str,
    /// Badge numbers, the lead first.
    pub(super) team: &'static [&'static str],
    pub(super) reach: Reach,
    /// Served by post (no AV record of the service is needed).
    pub(super) postal: bool,
    /// A special stage during the investigation, with what it keeps.
    pub(super) measure: Option<(Stage, &'static str)>,
    /// The questioning is recorded, its AV record not yet linked.
    pub(super) awaiting_av: bool,
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
pub(super) const COERCION: &str = "《中华人民共和国行政强制法》";

pub(super) fn specs() -> Vec<Spec> {
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

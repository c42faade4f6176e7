//! Cases, their documents and complaints: the commands of the case file
//! (案卷) and of the complaints register.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Open a case (立案登记 / 受理登记). The lead officer must be a qualified officer, and a general-procedure case needs two.
    New(CaseNewArgs),
    /// Move a case to a stage (进入环节), e.g. `--to 立案`; a suspended case resumes by naming the stage it left.
    Stage {
        /// The case number (案号) or id.
        #[arg(long)]
        case: String,
        /// The stage, in Chinese (调查取证) or English (investigation).
        #[arg(long)]
        to: String,
        /// What happened, e.g. the reason for a suspension.
        #[arg(long)]
        note: Option<String>,
        /// File (立案) before the start is approved, as 大连 第六条 allows in an emergency; the approval is then due within 24 h.
        #[arg(long)]
        emergency: bool,
        #[arg(long)]
        json: bool,
    },
    /// Record an opinion in an approval chain (审批): start (立案审批) or decision (处理决定审批), in the order handler → reviewer → (legal review) → approver.
    Approve {
        #[arg(long)]
        case: String,
        /// start or decision.
        #[arg(long, value_enum)]
        matter: ApprovalMatterArg,
        /// handler, reviewer, legal-review or approver.
        #[arg(long, value_enum)]
        role: ApprovalRoleArg,
        /// Badge number of the officer giving the opinion.
        #[arg(long)]
        officer: Option<String>,
        /// The opinion in words, e.g. 同意立案.
        #[arg(long)]
        opinion: String,
        /// Disagree: the chain starts again from the handler.
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        json: bool,
    },
    /// Link an AV record (from ingest) to a case at a stage, with what it shows, where, and a label (关联标注).
    Link {
        /// The case number (案号) or id.
        #[arg(long)]
        case: String,
        /// The recording's media id or SHA-256 (from `liuhen register offload`).
        #[arg(long)]
        media: String,
        /// The stage it belongs to; the case must have reached it.
        #[arg(long)]
        stage: String,
        /// What it shows: 现场检查, 调查取证, 证据保全, 询问, 听证, 送达, 行政强制 or 其他.
        #[arg(long)]
        item: String,
        /// Where it was recorded.
        #[arg(long)]
        location: String,
        /// A label, e.g. 现场检查：人行道摆摊.
        #[arg(long)]
        label: String,
        #[arg(long)]
        json: bool,
    },
    /// Enforcement documents (执法文书): make, correct, sign, list.
    #[command(subcommand)]
    Doc(DocCommand),
    /// Print the case file index (案卷目录) as PDF: documents, steps, approvals and AV records.
    Index {
        #[arg(long)]
        case: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Archive a concluded case (归档; due within 30 days of the conclusion, 大连 第二十二条).
    Archive {
        #[arg(long)]
        case: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show a case and its steps.
    Show {
        #[arg(long)]
        case: String,
        #[arg(long)]
        json: bool,
    },
    /// List cases with their current stage.
    List {
        /// JSON lines, one per case.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct CaseNewArgs {
    /// The kind of enforcement act.
    #[arg(long, value_enum)]
    pub kind: ActKindArg,
    #[arg(long, value_enum, default_value = "general")]
    pub procedure: ProcedureArg,
    /// Where the case came from.
    #[arg(long, value_enum)]
    pub source: CaseSourceArg,
    /// The matter (事项), e.g. 占道经营.
    #[arg(long)]
    pub matter: String,
    /// The case number (案号); generated when not given.
    #[arg(long)]
    pub number: Option<String>,
    /// Code of the unit handling it (default: the lead officer's unit).
    #[arg(long)]
    pub unit: Option<String>,
    /// Badge number of the lead officer (主办).
    #[arg(long)]
    pub lead: String,
    /// Badge number of another handling officer (协办); repeat for more.
    #[arg(long = "handler", value_name = "BADGE")]
    pub handlers: Vec<String>,
    /// A party: person:姓名[:证件号] or organisation:名称[:统一社会信用代码]; repeat for more.
    #[arg(long = "party", value_name = "PARTY")]
    pub parties: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ActKindArg {
    Penalty,
    Coercion,
    Inspection,
    Licensing,
    Confirmation,
    Expropriation,
    Benefit,
    Reward,
    Adjudication,
    FeeCollection,
}

impl ActKindArg {
    pub fn label_zh(self) -> &'static str {
        liuhen_core::case::ActKind::from(self).label_zh()
    }
}

impl From<ActKindArg> for liuhen_core::case::ActKind {
    fn from(kind: ActKindArg) -> Self {
        use liuhen_core::case::ActKind;
        match kind {
            ActKindArg::Penalty => ActKind::Penalty,
            ActKindArg::Coercion => ActKind::Coercion,
            ActKindArg::Inspection => ActKind::Inspection,
            ActKindArg::Licensing => ActKind::Licensing,
            ActKindArg::Confirmation => ActKind::Confirmation,
            ActKindArg::Expropriation => ActKind::Expropriation,
            ActKindArg::Benefit => ActKind::Benefit,
            ActKindArg::Reward => ActKind::Reward,
            ActKindArg::Adjudication => ActKind::Adjudication,
            ActKindArg::FeeCollection => ActKind::FeeCollection,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ProcedureArg {
    General,
    Simple,
}

impl From<ProcedureArg> for liuhen_core::case::Procedure {
    fn from(procedure: ProcedureArg) -> Self {
        match procedure {
            ProcedureArg::General => liuhen_core::case::Procedure::General,
            ProcedureArg::Simple => liuhen_core::case::Procedure::Simple,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CaseSourceArg {
    Patrol,
    Complaint,
    Transfer,
    Assignment,
    Application,
    Other,
}

impl From<CaseSourceArg> for liuhen_core::case::CaseSource {
    fn from(source: CaseSourceArg) -> Self {
        use liuhen_core::case::CaseSource;
        match source {
            CaseSourceArg::Patrol => CaseSource::Patrol,
            CaseSourceArg::Complaint => CaseSource::Complaint,
            CaseSourceArg::Transfer => CaseSource::Transfer,
            CaseSourceArg::Assignment => CaseSource::Assignment,
            CaseSourceArg::Application => CaseSource::Application,
            CaseSourceArg::Other => CaseSource::Other,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ApprovalMatterArg {
    Start,
    Decision,
}

impl From<ApprovalMatterArg> for liuhen_core::case::ApprovalMatter {
    fn from(matter: ApprovalMatterArg) -> Self {
        match matter {
            ApprovalMatterArg::Start => liuhen_core::case::ApprovalMatter::Start,
            ApprovalMatterArg::Decision => liuhen_core::case::ApprovalMatter::Decision,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ApprovalRoleArg {
    Handler,
    Reviewer,
    LegalReview,
    Approver,
}

impl From<ApprovalRoleArg> for liuhen_core::case::ApprovalRole {
    fn from(role: ApprovalRoleArg) -> Self {
        use liuhen_core::case::ApprovalRole;
        match role {
            ApprovalRoleArg::Handler => ApprovalRole::Handler,
            ApprovalRoleArg::Reviewer => ApprovalRole::Reviewer,
            ApprovalRoleArg::LegalReview => ApprovalRole::LegalReview,
            ApprovalRoleArg::Approver => ApprovalRole::Approver,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum DocCommand {
    /// Make a document at a stage the case reached, with the fields its kind needs (a refusal lists what is missing).
    New {
        #[arg(long)]
        case: String,
        /// The kind, e.g. 询问笔录 or inquiry_record.
        #[arg(long)]
        kind: String,
        /// The stage it belongs to.
        #[arg(long)]
        stage: String,
        /// A field as name=value, e.g. place=中山路12号; repeat.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// The legal basis (法律依据).
        #[arg(long)]
        legal_basis: String,
        /// Badge number of the officer who made it.
        #[arg(long)]
        maker: String,
        #[arg(long)]
        json: bool,
    },
    /// Correct a document: a new version that supersedes the old one; both stay readable (丰台 第二十九条).
    Correct {
        /// The id of the version to correct.
        #[arg(long)]
        document: String,
        /// Why it is corrected.
        #[arg(long)]
        reason: String,
        /// Changed fields as name=value; the others are kept.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        #[arg(long)]
        legal_basis: Option<String>,
        /// The correction touches the party's rights: it then needs legal review and service again; otherwise a leader's approval.
        #[arg(long)]
        touches_rights: bool,
        /// Badge number of the officer who made the correction.
        #[arg(long)]
        maker: String,
        #[arg(long)]
        json: bool,
    },
    /// Sign a document, or record a refusal to sign with its reason and witness (大连 第十条).
    Sign {
        #[arg(long)]
        document: String,
        /// An officer signs (badge number).
        #[arg(long, group = "who")]
        officer: Option<String>,
        /// The officer showed the enforcement certificate (大连 第八条).
        #[arg(long, requires = "officer")]
        certificate_shown: bool,
        /// The party signs (name).
        #[arg(long, group = "who")]
        party: Option<String>,
        /// A witness signs (name).
        #[arg(long, group = "who")]
        witness: Option<String>,
        /// The legal reviewer signs (badge number).
        #[arg(long, group = "who")]
        legal_reviewer: Option<String>,
        /// The leader signs (badge number).
        #[arg(long, group = "who")]
        leader: Option<String>,
        /// The signer refused; the reason.
        #[arg(long, requires = "refusal_witness")]
        refused: Option<String>,
        /// Who saw the refusal.
        #[arg(long, requires = "refused")]
        refusal_witness: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print a document version as its form (PDF).
    Pdf {
        #[arg(long)]
        document: String,
        /// Where to write the PDF.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// List a case's documents with their versions and signatures.
    List {
        #[arg(long)]
        case: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ComplaintCommand {
    /// Register a complaint or report as received.
    New {
        /// phone, visit, online, letter or referral.
        #[arg(long, value_enum)]
        channel: ChannelArg,
        /// What it is about.
        #[arg(long)]
        content: String,
        #[arg(long)]
        location: String,
        /// The complainant's name; leave out for an anonymous complaint.
        #[arg(long)]
        name: Option<String>,
        #[arg(long, requires = "name")]
        phone: Option<String>,
        #[arg(long, requires = "name")]
        id_number: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record what became of a complaint, once: --case NUMBER, or --no-case REASON with --notice METHOD for a named complainant.
    Decide {
        /// The complaint's id.
        #[arg(long)]
        complaint: String,
        /// The case opened for it.
        #[arg(long, conflicts_with = "no_case")]
        case: Option<String>,
        /// Why no case is opened.
        #[arg(long)]
        no_case: Option<String>,
        /// How the complainant was told, e.g. 电话告知 (大连 第七条).
        #[arg(long, requires = "no_case")]
        notice: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List complaints with their outcomes (complainants shown: this is the console).
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ChannelArg {
    Phone,
    Visit,
    Online,
    Letter,
    Referral,
}

impl From<ChannelArg> for liuhen_core::complaint::Channel {
    fn from(channel: ChannelArg) -> Self {
        use liuhen_core::complaint::Channel;
        match channel {
            ChannelArg::Phone => Channel::Phone,
            ChannelArg::Visit => Channel::Visit,
            ChannelArg::Online => Channel::Online,
            ChannelArg::Letter => Channel::Letter,
            ChannelArg::Referral => Channel::Referral,
        }
    }
}

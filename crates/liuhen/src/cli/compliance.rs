//! Compliance (合规检查) and supervision: the pack in force, findings,
//! spot checks, the duty log and the periodic report.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The periodic report (执法全过程记录工作通报, 叶县 第二十三条; 丰台 第三十条) over local days FROM to TO.
    Periodic {
        /// The unit (code), with the units under it; default the agency.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// First day, `YYYY-MM-DD`.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, inclusive.
        #[arg(long, value_name = "DATE")]
        to: String,
        /// `text` (the default), `json`, `pdf` or `xlsx`.
        #[arg(long, default_value = "text")]
        format: String,
        /// Where to write a PDF or XLSX; default `periodic-report-FROM-TO.pdf|xlsx` here.
        #[arg(long, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpotCheckCommand {
    /// Draw a sample and record it (the seed, the population and the items drawn go into the ledger).
    Draw {
        /// What to draw from: `recordings` (AV records started in the period) or `cases` (opened in it).
        #[arg(long, value_name = "WHAT")]
        population: String,
        /// First day, local `YYYY-MM-DD`.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, inclusive.
        #[arg(long, value_name = "DATE")]
        to: String,
        /// Only this unit (its code) and the units under it.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// Only this officer's records or cases.
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        /// Strata: `none`, `act_kind` or `recorded_item`.
        #[arg(long, default_value = "none")]
        stratify: String,
        /// How many to draw from each stratum.
        #[arg(long, default_value_t = 5)]
        per_stratum: u32,
        /// Draw with this seed (64 hex digits) instead of a fresh random one.
        #[arg(long)]
        seed: Option<String>,
        /// The inspector drawing it (badge number).
        #[arg(long, value_name = "BADGE")]
        inspector: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List spot checks, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A spot check's items with their latest reviews (the register, 检查台账).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Review one item against the rubric of the pack in force.
    Review {
        id: String,
        /// The item's number in the check (from 1).
        #[arg(long)]
        item: u32,
        /// A criterion and its judgement: `told-party=met`, `=not_met` or `=not_applicable`; once per criterion.
        #[arg(long = "mark", value_name = "CRITERION=OUTCOME")]
        marks: Vec<String>,
        /// What was found (检查意见); needed when a criterion is not met.
        #[arg(long, default_value = "")]
        comment: String,
        /// The reviewing inspector (badge number).
        #[arg(long, value_name = "BADGE")]
        reviewer: Option<String>,
    },
    /// Draw a recorded check again from its kept population and seed; exit 1 if it differs from the record.
    Redraw { id: String },
    /// Print the population a check was drawn from, one `stratum<TAB>id` line per member, sorted by id: the text whose SHA-256 was recorded.
    Population { id: String },
}

#[derive(Debug, Subcommand)]
pub enum DutyLogCommand {
    /// Record that recording was impossible for a while, and why (written to the ledger; cannot be changed).
    Add {
        /// Badge number of the officer whose log it is.
        #[arg(long, value_name = "BADGE")]
        officer: String,
        /// Start, local time `YYYY-MM-DD HH:MM` (or RFC 3339).
        #[arg(long)]
        from: String,
        /// End, local time `YYYY-MM-DD HH:MM` (or RFC 3339).
        #[arg(long)]
        to: String,
        /// Why, e.g. 暴雨，执法记录仪进水无法使用.
        #[arg(long)]
        reason: String,
        /// The case it concerns (number or id).
        #[arg(long, value_name = "CASE")]
        case: Option<String>,
        /// Badge number of the leader it was reported to.
        #[arg(long, value_name = "BADGE")]
        reported_to: Option<String>,
    },
    /// List entries.
    List {
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackCommand {
    /// The built-in packs, and which one is in force.
    List,
    /// A pack's rules, each with its article and what it asks. Default: the pack in force.
    Show {
        /// A built-in pack's id or a pack file.
        #[arg(value_name = "NAME|FILE")]
        pack: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Check a pack file; exits 0 when it loads, else names the line of the first problem.
    Validate {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Choose the pack in force from now on (written to liuhen.toml and recorded in the ledger).
    Use {
        #[arg(value_name = "NAME|FILE")]
        pack: String,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ComplianceArgs {
    /// Only this case (number or id).
    #[arg(long, value_name = "CASE")]
    pub case: Option<String>,
    /// Only this unit (code) and the units under it.
    #[arg(long, value_name = "CODE")]
    pub unit: Option<String>,
    /// Also findings already resolved.
    #[arg(long)]
    pub all: bool,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<ComplianceCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// What falls due soon (the next 24 or 48 hours), per officer and unit.
    Deadlines {
        /// How far ahead, e.g. 24h or 48h.
        #[arg(long, default_value = "48h")]
        within: String,
        /// Only this officer (badge number).
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        /// Only this unit (code) and the units under it.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record that a leader, legal reviewer or inspector accepted an explanation of a finding (情况说明); it is then resolved and not raised again.
    Waive {
        #[arg(long, value_name = "ID")]
        finding: String,
        /// Badge number of the leader, legal reviewer or inspector accepting it.
        #[arg(long, value_name = "BADGE")]
        officer: String,
        #[arg(long)]
        explanation: String,
    },
    /// The AV record checklist of a case (行政执法音像记录事项清单, 厦门 附件2).
    Checklist {
        #[arg(long, value_name = "CASE")]
        case: String,
        /// Write it as XLSX.
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        /// Write it as PDF.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The misconduct findings report (执法过错情况) of a unit for a period.
    Report {
        /// The unit (code) and the units under it; default: the whole agency.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// What to say when recording starts (口述内容, 厦门 附件1), filled in from the case.
    Statement {
        #[arg(long, value_name = "CASE")]
        case: String,
        /// The recorded item: 现场检查, 询问, 送达, 行政强制.
        #[arg(long)]
        item: String,
        /// Where (具体地点).
        #[arg(long, default_value = "")]
        place: String,
        /// The document served or the decision executed.
        #[arg(long, default_value = "")]
        document: String,
    },
}

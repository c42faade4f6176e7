//! The command line, as clap reads it. Help is written for the person on
//! duty: what the command does, in words, before how.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod custody;
pub use custody::*;

/// 留痕 Liuhen: whole-process recording of administrative law enforcement
/// (行政执法全过程记录). Keeps body-camera footage and case records so that
/// nothing is lost and nothing changes silently.
#[derive(Debug, Parser)]
#[command(name = "liuhen", version, propagate_version = true)]
pub struct Cli {
    /// The instance's data directory (database, evidence vault, keys).
    #[arg(long = "data", env = "LIUHEN_DATA", global = true, default_value = "liuhen-data", value_name = "DIR")]
    pub data: PathBuf,
    /// An extra configuration file, read after DIR/liuhen.toml.
    #[arg(long, env = "LIUHEN_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Say more about what is happening (on standard error).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new instance: data directory, database, vault, ledger signing key, first administrator.
    Init(InitArgs),
    /// Start the web server and API.
    Serve(ServeArgs),
    /// Start a demonstration instance with sample data and serve it.
    Demo(DemoArgs),
    /// Store files in the evidence vault (证据库).
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Read the tamper-evident ledger: checkpoints, proofs, entries, the public key.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Check every stored file and every ledger entry against the signed checkpoints.
    Verify(VerifyArgs),
    /// Offload body cameras (采集): store every file, check that it plays, register it, and optionally clear the camera.
    Ingest(IngestArgs),
    /// Registers (台账), e.g. the offload register (导出台账).
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Gaps inside one activity that an officer must explain (中断说明); lists them, or records an explanation.
    Interruptions(InterruptionsArgs),
    /// Complaints and reports (投诉举报): register, decide (a case, or no case with the notice to a named complainant), list.
    #[command(subcommand)]
    Complaint(ComplaintCommand),
    /// Cases (案件): open one, move it through its stages (程序环节), show it.
    #[command(subcommand)]
    Case(CaseCommand),
    /// Units (大队/中队/科室).
    #[command(subcommand)]
    Unit(UnitCommand),
    /// Officers (执法人员) and assistants.
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// Devices: body cameras (执法记录仪), collection workstations (采集站).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Login accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Policy packs (规范包): each agency's regulation as data. List, show, validate a pack file, or choose the one in force.
    #[command(subcommand)]
    Pack(PackCommand),
    /// Compliance (合规检查): bring findings up to date with the pack in force and list them; deadlines, explanations, the AV record checklist, the misconduct report.
    Compliance(ComplianceArgs),
    /// AV records (音像记录) that belong to no case: label them (信息标注) so they are accounted for.
    #[command(subcommand)]
    Recording(RecordingCommand),
    /// The duty log (执勤日志, 厦门 六（二）): when recording was impossible (weather, a device fault) and why.
    #[command(subcommand)]
    DutyLog(DutyLogCommand),
    /// Reports (通报): the periodic report of a unit or the agency — recordings, delays, interruptions, findings, spot checks, devices — as text, JSON, PDF or XLSX.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Spot checks (抽检, 叶县 第二十二条): draw a sample of AV records or cases anyone can redraw, review it against the pack's rubric, keep the register.
    #[command(subcommand)]
    SpotCheck(SpotCheckCommand),
    /// Access requests (调阅申请): ask to view or copy records, approve or refuse, print the requisition form (调用单).
    #[command(subcommand)]
    Access(AccessCommand),
    /// Classification marks (国家秘密 / 商业秘密 / 个人隐私) on a case, record or document; they narrow who may be granted access.
    Mark(MarkArgs),
    /// Legal holds (冻结): keep a case's or a record's files however old they are (叶县 第十三条).
    #[command(subcommand)]
    Hold(HoldCommand),
    /// Retention (保存期限): when each record may go; disposal lists (销毁清单) and carrying them out once approved.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Make a party copy (当事人查阅副本): mute, blank or blur parts of an AV record, or withhold fields of a document.
    Redact(RedactArgs),
    /// Make a court or reconsideration package (移交证据包): a BagIt bag with the originals, documents, notes and ledger proofs.
    Export(ExportArgs),
    /// Check a package offline: every hash, every proof, the checkpoint's signature.
    VerifyPackage(VerifyPackageArgs),
    /// Copy the blobs, database and keys to a second disk, directory or S3 bucket, and check the copy (备份).
    Backup(BackupArgs),
    /// Make a new instance from a backup.
    Restore(RestoreArgs),
    /// Measure performance (vault copy speed, ledger throughput, proofs, verify).
    #[command(subcommand)]
    Bench(BenchCommand),
}

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

#[derive(Debug, Subcommand)]
pub enum RecordingCommand {
    /// Label an AV record that belongs to no case (信息标注, 厦门 五: within 48 h), recorded in the ledger.
    Label {
        /// Media id or SHA-256.
        #[arg(long, value_name = "MEDIA")]
        media: String,
        /// What it shows: 现场检查, 调查取证, 证据保全, 询问, 听证, 送达, 行政强制, 其他.
        #[arg(long)]
        item: String,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long)]
        label: String,
        /// Badge number of the officer labelling it.
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The agency's full name, e.g. 厦门市城市管理行政执法局.
    #[arg(long)]
    pub agency_name: String,
    /// A short code for the agency, letters, digits and dashes, e.g. xiamen-cgj.
    #[arg(long)]
    pub agency_code: String,
    /// The ledger's origin (names the log in every checkpoint; never changes). Default: liuhen.local/<agency code>.
    #[arg(long)]
    pub origin: Option<String>,
    /// Metadata database URL; default: SQLite inside the data directory.
    #[arg(long, env = "LIUHEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Also co-sign every checkpoint with an SM2 key (国密), for verifiers that require one.
    #[arg(long)]
    pub sm2: bool,
    /// Login name of the first administrator.
    #[arg(long, default_value = "admin")]
    pub admin_login: String,
    /// A file holding the first administrator's password. Without it, LIUHEN_ADMIN_PASSWORD is used, or a password is generated and printed once.
    #[arg(long, value_name = "FILE")]
    pub admin_password_file: Option<PathBuf>,
    /// The policy pack (规范包) in force: a built-in one (wenshang-cgj, yexian-jtys, fengtai-jd, dalian-gxq-cgj, xiamen-cgj) or a pack file. Can be chosen later with `liuhen pack use`.
    #[arg(long, value_name = "NAME|FILE")]
    pub pack: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080 (default from the config: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// Set up the demo data and exit instead of serving it.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Store files: each is read once, hashed (SHA-256 and SM3), made durable, then published; a ledger entry records it.
    Put(VaultPutArgs),
    /// Remove leftovers of interrupted stores (never a stored file).
    Sweep {
        /// Only remove leftovers older than this many hours.
        #[arg(long, default_value_t = 6)]
        older_than_hours: u64,
    },
}

#[derive(Debug, Args)]
pub struct VaultPutArgs {
    /// The files to store.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print one JSON object per file (sha256, sm3, size, media_id, status).
    #[arg(long)]
    pub json: bool,
    /// Serial number of the device the files came from.
    #[arg(long, value_name = "SERIAL")]
    pub device: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Print the latest signed checkpoint (signing a new one if the ledger grew).
    Checkpoint,
    /// Print an inclusion proof (C2SP tlog-proof) for entry N.
    Proof {
        #[arg(long)]
        index: u64,
    },
    /// Print a proof that the ledger at SIZE is a prefix of the latest checkpoint.
    Consistency {
        #[arg(long = "from", value_name = "SIZE")]
        from: u64,
    },
    /// Write the exact bytes hashed as leaf N (or, with --json, the entry and its payload).
    Entry {
        #[arg(long)]
        index: u64,
        #[arg(long)]
        json: bool,
    },
    /// Print the keys that verify checkpoints (signed-note verifier keys, one per line: Ed25519, then SM2 if enabled).
    PublicKey,
    /// Check a proof offline: its checkpoint's signature, and that the entry is in it.
    VerifyProof {
        /// The proof file (from `liuhen ledger proof`).
        #[arg(value_name = "FILE")]
        proof: PathBuf,
        /// A verifier key (from `liuhen ledger public-key`); repeat it, or pass several separated by newlines.
        #[arg(long = "key", value_name = "VKEY", required = true)]
        keys: Vec<String>,
        /// The entry's bytes (from `liuhen ledger entry`); needed for an inclusion proof.
        #[arg(long, value_name = "FILE")]
        entry: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Check only the ledger, not the stored files.
    #[arg(long)]
    pub skip_blobs: bool,
}

#[derive(Debug, Subcommand)]
pub enum UnitCommand {
    /// Add a unit.
    Add {
        #[arg(long)]
        name: String,
        /// Unit code (单位编号) as body cameras store it.
        #[arg(long)]
        code: String,
        /// Code of the parent unit.
        #[arg(long)]
        parent: Option<String>,
    },
    /// List units.
    List,
}

#[derive(Debug, Subcommand)]
pub enum OfficerCommand {
    /// Add an officer or assistant.
    Add {
        #[arg(long)]
        name: String,
        /// Officer number as stored on body cameras.
        #[arg(long)]
        badge: String,
        /// Enforcement certificate number (执法证号); assistants may have none.
        #[arg(long)]
        certificate: Option<String>,
        /// Code of the officer's unit.
        #[arg(long)]
        unit: String,
        #[arg(long, value_enum, default_value = "front-line")]
        role: OfficerRoleArg,
        /// Add as an assistant (协助执法人员), who may assist but not lead.
        #[arg(long)]
        assistant: bool,
    },
    /// List officers.
    List,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OfficerRoleArg {
    FrontLine,
    Leader,
    LegalReviewer,
    Inspector,
    Staff,
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Register a device.
    Add {
        #[arg(long)]
        serial: String,
        #[arg(long, value_enum)]
        kind: DeviceKindArg,
        #[arg(long)]
        model: Option<String>,
        /// Badge number of the officer it is assigned to.
        #[arg(long)]
        officer: Option<String>,
        /// Code of the unit that keeps it.
        #[arg(long)]
        unit: Option<String>,
    },
    /// Issue an API token for a device (e.g. a collection workstation); printed once.
    Token {
        #[arg(long)]
        serial: String,
    },
    /// Revoke every API token of a device (a lost or stolen workstation); requests with them are refused from now on.
    RevokeTokens {
        #[arg(long)]
        serial: String,
    },
    /// List devices.
    List,
    /// The device register (设备台账): every device with its status, holder and last check, and what the agency is short of (厦门 一).
    Register {
        #[arg(long)]
        json: bool,
    },
    /// A device's history: assignments, checks, faults, repairs, losses.
    History {
        serial: String,
        #[arg(long)]
        json: bool,
    },
    /// Record the check before use (使用前检查, 丰台 第十七条): battery, storage and clock, all in order unless said otherwise.
    Check {
        serial: String,
        #[arg(long)]
        battery_low: bool,
        #[arg(long)]
        storage_full: bool,
        #[arg(long)]
        clock_off: bool,
        /// The officer who checked it (badge number).
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Report a fault: the device is out of use until repaired (叶县 第二十一条).
    Fault {
        serial: String,
        /// What is wrong.
        #[arg(long)]
        note: String,
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
    },
    /// Record that a faulty device was repaired and is back in use.
    Repaired {
        serial: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Report a device lost or stolen (then revoke a workstation's tokens with `device revoke-tokens`).
    Lost {
        serial: String,
        #[arg(long)]
        stolen: bool,
        /// When it was lost, local `YYYY-MM-DD HH:MM`; default now.
        #[arg(long)]
        at: Option<String>,
        /// When and where.
        #[arg(long)]
        note: String,
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
    },
    /// Record that a lost device was found.
    Recovered {
        serial: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Hand a device to an officer, or take it back into a unit's store (no --officer).
    Assign {
        serial: String,
        #[arg(long, value_name = "BADGE")]
        officer: Option<String>,
        /// The unit that answers for it (code); default the officer's.
        #[arg(long, value_name = "CODE")]
        unit: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Retire a device for good (报废).
    Retire {
        serial: String,
        #[arg(long)]
        note: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeviceKindArg {
    BodyCamera,
    Workstation,
    Other,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a login account.
    Add {
        #[arg(long)]
        login: String,
        /// Name shown in the interface.
        #[arg(long)]
        name: String,
        /// Roles: officer, unit_leader, legal_reviewer, archivist, inspector, administrator.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Badge number of the officer this account belongs to.
        #[arg(long)]
        officer: Option<String>,
        /// A file holding the password; without it LIUHEN_USER_PASSWORD is used, or one is generated and printed once.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// List accounts.
    List,
}

/// Where `bench vault` starts its file from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CacheState {
    Warm,
    Cold,
    Both,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time storing FILE in the vault against `cp` of it on the same disk.
    Vault {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Scratch directory on the disk to measure (default: beside the data directory).
        #[arg(long)]
        scratch: Option<PathBuf>,
        /// Where FILE starts each round: in the page cache (warm, as a file
        /// read just before), out of it (cold, as a camera just plugged in),
        /// or one round of each.
        #[arg(long, value_enum, default_value_t = CacheState::Both)]
        cache: CacheState,
    },
    /// Ledger throughput, checkpoint latency, proofs per second and verify time, on a fresh scratch instance.
    Ledger {
        /// Entries to append.
        #[arg(long, default_value_t = 100_000)]
        entries: u64,
        /// Concurrent appenders.
        #[arg(long, default_value_t = 512)]
        concurrency: usize,
        /// Use this database URL instead of a scratch SQLite file (e.g. a fresh PostgreSQL database).
        #[arg(long)]
        database_url: Option<String>,
        /// Scratch directory (default: a temporary directory).
        #[arg(long)]
        scratch: Option<PathBuf>,
    },
    /// Make a new instance in --data holding a large agency's records (100 000 cases, 1 000 000 AV records by default), to measure the pages and the API at scale. The AV records have no files: a benchmark instance, not one to keep.
    #[command(
        after_help = "Examples:\n  liuhen --data /work/bench/big bench generate\n  liuhen --data /work/bench/big-pg bench generate --database-url postgres://postgres@127.0.0.1:5432/liuhen_big\n  liuhen --data /work/bench/big serve"
    )]
    Generate {
        /// Cases to make.
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        /// AV records to make.
        #[arg(long, default_value_t = 1_000_000)]
        recordings: usize,
        /// Metadata database URL (an empty PostgreSQL database); default: SQLite inside the data directory.
        #[arg(long, env = "LIUHEN_DATABASE_URL")]
        database_url: Option<String>,
        /// Password of the accounts made (admin, leader, officer).
        #[arg(long, default_value = "bench-password-2026")]
        password: String,
        /// Seed of the random choices, for the same records again.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Compliance engine time over a large agency's facts built in memory, under each built-in pack.
    Compliance {
        #[arg(long, default_value_t = 100_000)]
        recordings: usize,
        #[arg(long, default_value_t = 5_000)]
        cases: usize,
    },
}

/// `liuhen ingest`.
///
/// Exit status: 0 when every file was stored and plays; 1 when a file or a
/// device could not be stored (it stays on the device; run the command
/// again); 3 when all were stored but some do not play back (kept, flagged,
/// left on the device); 2 when the command could not start (as every command).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  liuhen ingest /media/DSJ01 --clear-device\n  liuhen ingest /media/DSJ01 /media/DSJ02 /media/DSJ03 --json > offload.json\n  liuhen ingest /media/CAMERA --device DSJ-Z8-20260001"
)]
pub struct IngestArgs {
    /// The mounted device folders (one per camera), e.g. /media/DSJ01.
    #[arg(required = true, value_name = "DEVICE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// The device's serial, when neither its file names nor an identity file on it say (applies to every folder given).
    #[arg(long, value_name = "SERIAL")]
    pub device: Option<String>,
    /// Register a device that is not yet known, as a body camera of the officer its files or identity name.
    #[arg(long)]
    pub register_device: bool,
    /// Delete each file from the device once its stored copy is durable, re-verified by hash, plays, and is in the ledger.
    #[arg(long)]
    pub clear_device: bool,
    /// Print one JSON summary on standard output instead of a table.
    #[arg(long)]
    pub json: bool,
    /// How many devices to offload at once (default: ingest.workers in the config).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Upload to this central Liuhen server (e.g. http://10.0.0.5:8080) instead of the local vault. Uploads resume where they stopped.
    #[arg(long, env = "LIUHEN_INGEST_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// This workstation's API token for the server (`liuhen device token` on the server issues one).
    #[arg(
        long,
        env = "LIUHEN_INGEST_TOKEN",
        value_name = "TOKEN",
        requires = "server",
        conflicts_with = "token_file",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// A file holding the API token (safer than --token, which other users can see in the process list).
    #[arg(long, value_name = "FILE", requires = "server")]
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// The offload register (导出台账): every file offloaded, with officer, certificate, device, date and period, workstation, ingest time and playback result.
    Offload(OffloadRegisterArgs),
}

#[derive(Debug, Args)]
pub struct OffloadRegisterArgs {
    /// First day (or instant) of recording to include, e.g. 2026-11-01 (camera time zone).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day to include (a date includes the whole day), or an instant to stop before.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only this device.
    #[arg(long, value_name = "SERIAL")]
    pub device: Option<String>,
    /// CSV for spreadsheets (UTF-8 with BOM, Chinese headers).
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// JSON lines, one per file.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InterruptionsArgs {
    /// Only this device.
    #[arg(long, value_name = "SERIAL")]
    pub device: Option<String>,
    /// Only gaps that have no explanation yet.
    #[arg(long)]
    pub unexplained: bool,
    /// JSON lines, one per interruption.
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<InterruptionsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum InterruptionsCommand {
    /// Record an officer's explanation of one interruption (written to the ledger; cannot be changed afterwards).
    Explain {
        /// Media id of the recording before the gap (from `liuhen interruptions`).
        #[arg(long)]
        before: String,
        /// Media id of the recording after the gap.
        #[arg(long)]
        after: String,
        /// Badge number of the officer explaining.
        #[arg(long)]
        officer: String,
        /// The explanation, e.g. 电池耗尽，更换电池后继续录像.
        #[arg(long)]
        text: String,
    },
}

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

//! The command line, as clap reads it. Help is written for the person on
//! duty: what the command does, in words, before how.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod cases;
mod compliance;
mod custody;
pub use cases::*;
pub use compliance::*;
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
/// again); 4 when, against a server that could not be reached or stopped
/// answering, some files wait in this workstation's spool (and stay on the
/// device; the next run sends them); 3 when all were
/// stored but some do not play back (kept, flagged, left on the device); 2
/// when the command could not start (as every command).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  liuhen ingest /media/DSJ01 --clear-device\n  liuhen ingest /media/DSJ01 /media/DSJ02 /media/DSJ03 --json > offload.json\n  liuhen ingest /media/CAMERA --device DSJ-Z8-20260001\n  liuhen ingest /media/DSJ01 --server http://10.0.0.5:8080 --token-file /etc/liuhen/token --spool --clear-device"
)]
pub struct IngestArgs {
    /// The mounted device folders (one per camera), e.g. /media/DSJ01. Against a server, none: just send what the spool holds.
    #[arg(required_unless_present = "server", value_name = "DEVICE_DIR")]
    pub dirs: Vec<PathBuf>,
    /// The device's serial, when neither its file names nor an identity file on it say (applies to every folder given).
    #[arg(long, value_name = "SERIAL")]
    pub device: Option<String>,
    /// Register a device that is not yet known, as a body camera of the officer its files or identity name. On a workstation's own instance the console is its administrator (whoever may write the data directory, which only its owner can); the ledger names that user. Against a server, only the server's administrator registers devices.
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
    /// Against a server: first copy each file into this workstation's spool (DATA/spool), and upload from there. The copy is deleted once the server confirms its hash; if the server is down or goes away, the spool keeps it and the next run sends it (default: ingest.spool in the config).
    #[arg(long, requires = "server")]
    pub spool: bool,
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

//! Access, holds, retention, packages and backups: the custody commands.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// The records a command is about: cases by number, AV records and
/// documents by id. At least one is needed.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// A case, by its number (案号) or id. Repeat for several.
    #[arg(long = "case", value_name = "CASE")]
    pub cases: Vec<String>,
    /// An AV record (media id). Repeat for several.
    #[arg(long = "media", value_name = "MEDIA_ID")]
    pub media: Vec<String>,
    /// A document version (document id). Repeat for several.
    #[arg(long = "document", value_name = "DOCUMENT_ID")]
    pub documents: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// File an access request (调阅申请) on behalf of a person with an account.
    Request {
        /// The requester's login.
        #[arg(long, value_name = "LOGIN")]
        user: String,
        #[command(flatten)]
        targets: TargetArgs,
        /// What for: reconsideration, litigation, compensation, mediation, petition, publicity, training,
        /// supervision, judicial, audit, party_inspection, case_work (or the Chinese name, e.g. 行政诉讼).
        #[arg(long)]
        purpose: String,
        /// view (查阅) or copy (复制).
        #[arg(long, default_value = "view")]
        mode: String,
        /// The reason (调阅事由).
        #[arg(long)]
        reason: String,
        /// The body the records are for (e.g. 某区人民法院).
        #[arg(long = "for", value_name = "BODY")]
        on_behalf_of: Option<String>,
        /// Start of the period (RFC 3339 or YYYY-MM-DD); now if not given.
        #[arg(long)]
        from: Option<String>,
        /// End of the period; seven days after its start if not given (at most 90 days).
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Approve a request (as a unit leader or administrator).
    Approve {
        /// The request's id.
        id: String,
        /// The approver's login.
        #[arg(long, value_name = "LOGIN")]
        user: String,
        /// The opinion (审批意见).
        #[arg(long, default_value = "同意")]
        opinion: String,
        /// End the grant earlier than asked (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        until: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Refuse a request, saying why.
    Refuse {
        id: String,
        #[arg(long, value_name = "LOGIN")]
        user: String,
        /// Why it is refused (审批意见).
        #[arg(long)]
        opinion: String,
        #[arg(long)]
        json: bool,
    },
    /// List requests with where each stands (of one person, or all).
    List {
        #[arg(long, value_name = "LOGIN")]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print the requisition form (调用单) of a request as PDF.
    Form {
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Say whether a person may read a record now, and on what basis.
    Check {
        #[arg(long, value_name = "LOGIN")]
        user: String,
        #[command(flatten)]
        targets: TargetArgs,
        /// Check copying (download, export) rather than viewing.
        #[arg(long)]
        copy: bool,
    },
}

#[derive(Debug, Args)]
pub struct MarkArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// state_secret (国家秘密), trade_secret (商业秘密) or privacy (个人隐私).
    #[arg(long = "as", value_name = "MARK")]
    pub mark: String,
    /// Lift the mark instead of placing it.
    #[arg(long)]
    pub lift: bool,
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Place a hold on a case (all its linked AV records) or on one AV record.
    Place {
        #[command(flatten)]
        targets: TargetArgs,
        /// dispute, complaint, obstruction, mass_incident, litigation or other.
        #[arg(long)]
        reason: String,
        /// What the hold is for, in words.
        #[arg(long)]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// Release a hold (the dispute settled, the judgment final).
    Release {
        id: String,
        #[arg(long)]
        note: String,
    },
    /// List holds, in force and released.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Every stored record with its retention class and expiry date.
    List {
        /// Only records that have expired and may be disposed of.
        #[arg(long)]
        expired: bool,
        #[arg(long)]
        json: bool,
    },
    /// Carry out approved disposal lists, then propose a list of what else has expired.
    Run {
        /// Only say what has expired and what would be done; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// On an S3 bucket with Object Lock: set each blob's retain-until (compliance mode) to its expiry and a legal hold
    /// on held or indefinitely kept records, so the store itself refuses early deletion. Every command that records
    /// something does this for what changed; run it by hand after an outage of the bucket, or with --all to repair one.
    Lock {
        /// Send every blob's lock again, not only what changed since the locks last recorded.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Approve a disposal list (as a unit leader or administrator other than the proposer).
    Approve {
        /// The list's id.
        id: String,
        #[arg(long, value_name = "LOGIN")]
        user: String,
        #[arg(long)]
        opinion: String,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The case, by number or id.
    #[arg(long)]
    pub case: String,
    /// Only these AV records (media ids) of the case; all its linked records if not given.
    #[arg(long = "records", value_name = "MEDIA_ID", num_args = 1..)]
    pub records: Vec<String>,
    /// What the package is for (litigation, reconsideration, …; see `liuhen access request --help`).
    #[arg(long)]
    pub purpose: String,
    /// The approved copy grant it is made under (an access request id).
    #[arg(long)]
    pub grant: Option<String>,
    /// Who receives it (e.g. 某区人民法院).
    #[arg(long = "for", value_name = "BODY")]
    pub recipient: Option<String>,
    /// The directory to create for the package (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also write an ISO 9660 image of the package, ready to burn (needs xorriso).
    #[arg(long, value_name = "FILE")]
    pub iso: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyPackageArgs {
    /// The package directory.
    pub dir: PathBuf,
    /// The agency's verifier key (from `liuhen ledger public-key`), obtained some other way than the package.
    /// Without it the package's own key file is trusted, which a forger could replace.
    #[arg(long = "key", value_name = "VKEY")]
    pub keys: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to keep the backup: a directory on another disk, or `s3://BUCKET[/PREFIX]` on another
    /// S3-compatible server (with --s3-endpoint and the keys). Made if missing; a later backup to the
    /// same place copies only new blobs.
    #[arg(value_name = "DIR|s3://BUCKET[/PREFIX]")]
    pub target: String,
    #[command(flatten)]
    pub s3: BackupS3Args,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup: its directory, or `s3://BUCKET[/PREFIX]` (with --s3-endpoint and the keys).
    #[arg(value_name = "DIR|s3://BUCKET[/PREFIX]")]
    pub backup: String,
    /// The new instance's directory (must not exist or be empty); the global --data is not used here.
    #[arg(long = "into", value_name = "DIR")]
    pub into: PathBuf,
    /// Restore the metadata into this PostgreSQL database (must be empty) instead of SQLite inside DIR.
    /// Required when the backup was taken from PostgreSQL.
    #[arg(long)]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub s3: BackupS3Args,
}

/// The S3-compatible server a backup bucket is on. Not the vault's: a
/// backup belongs on other hardware.
#[derive(Debug, Args)]
pub struct BackupS3Args {
    /// The backup bucket's S3 endpoint, e.g. http://backup-store:3900.
    #[arg(long, value_name = "URL", env = "LIUHEN_BACKUP_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The backup bucket's region.
    #[arg(long, value_name = "REGION", env = "LIUHEN_BACKUP_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// The access key id for the backup bucket.
    #[arg(long, value_name = "ID", env = "LIUHEN_BACKUP_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// A file holding the backup bucket's secret access key (one line).
    #[arg(long, value_name = "FILE", env = "LIUHEN_BACKUP_S3_SECRET_ACCESS_KEY_FILE")]
    pub s3_secret_access_key_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RedactArgs {
    /// The AV record to copy (media id).
    #[arg(long, conflicts_with = "document")]
    pub media: Option<String>,
    /// The document version to copy (document id).
    #[arg(long)]
    pub document: Option<String>,
    /// What to withhold; repeat. `mute:START-END` (seconds), `blank:START-END` (black picture and silence),
    /// `blur:X,Y,WIDTH,HEIGHT[@START-END]` (pixels), `field:NAME` (documents).
    #[arg(long = "op", value_name = "OPERATION", required = true)]
    pub operations: Vec<String>,
    /// Why (e.g. 保护举报人身份).
    #[arg(long)]
    pub reason: String,
    /// The legal reviewer who chose what is withheld (login).
    #[arg(long, value_name = "LOGIN")]
    pub reviewer: String,
    /// The party's access request the copy is for.
    #[arg(long)]
    pub request: Option<String>,
    #[arg(long)]
    pub json: bool,
}

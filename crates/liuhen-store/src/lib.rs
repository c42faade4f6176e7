//! Liuhen's metadata store (元数据存储).
//!
//! One narrow trait, [`MetaStore`], with one implementation per backend:
//! [`sqlite::SqliteStore`] (the embedded default, WAL mode, a file inside the
//! data directory) and [`postgres::PgStore`] (chosen by a `postgres://` URL).
//! Each backend owns its migrations under `migrations/<backend>/`. Both are
//! held to the same conformance suite (`tests/conformance/`).
//!
//! **Invariant:** the only write path is [`MetaStore::commit`], which applies
//! state changes together with the ledger entries and Merkle nodes that
//! record them, in one transaction, after checking that the ledger has not
//! grown since the caller read its size (single sequencer).

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use liuhen_core::access::{AccessFile, ClassificationMark, ExportRecord, Target};
use liuhen_core::case::{ActKind, Approval, Case, RecordingLink, Stage, StageStep};
use liuhen_core::complaint::{Complaint, ComplaintOutcome};
use liuhen_core::compliance::StoredFinding;
use liuhen_core::digest::{ContentDigests, Sha256Digest};
use liuhen_core::document::{Document, Signature};
use liuhen_core::entity::{Agency, ApiToken, Device, MediaRecord, Officer, Session, Unit, User};
use liuhen_core::entry::LedgerEntry;
use liuhen_core::id::{
    AccessRequestId, CaseId, DeviceId, DisposalId, DocumentId, FindingId, HoldId, MediaId, OfficerId, SpotCheckId, UnitId, UserId,
};
use liuhen_core::merkle::{Hash, NodeId};
use liuhen_core::mutation::Mutation;
use liuhen_core::recording::{InterruptionNote, Recording, RecordingLabel};
use liuhen_core::retention::{BlobLock, DisposalList, LegalHold, Tombstone};
use liuhen_core::supervision::{Candidate, Member, Population, SpotCheck, SpotCheckReview};

mod common;
mod custody;
pub mod postgres;
mod rows;
pub mod snapshot;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod writes;

/// Which database engine a store talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A ledger entry as stored, with the canonical JSON of its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub entry: LedgerEntry,
    pub payload_json: String,
}

/// Which recordings to list. Times select on the corrected start, or on the
/// ingest time where the start is unknown; `from` is inclusive, `to` not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordingQuery {
    pub device: Option<DeviceId>,
    /// The officer who recorded it.
    pub officer: Option<liuhen_core::id::OfficerId>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// What a spot check may draw from: AV records whose recording started,
/// or cases opened, in `from` ≤ t < `until`; of an officer (who recorded or
/// handles it) and of these units, where given. Records without a known
/// start are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateQuery {
    pub population: Population,
    pub from: Timestamp,
    pub until: Timestamp,
    /// The officer's unit (for a record, the device's unit when no officer
    /// is known) is one of these.
    pub units: Option<Vec<UnitId>>,
    pub officer: Option<OfficerId>,
    /// Only what was registered by then (records: when offloaded).
    pub recorded_by: Option<Timestamp>,
}

/// Which cases to list, and which page of them (案件列表). Every condition
/// given must hold. Text conditions match where the field *contains* the
/// text, ignoring case; `from` is inclusive, `until` not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseSearch {
    /// Cases of one of these units (the caller expands a unit to the units
    /// under it).
    pub units: Option<Vec<UnitId>>,
    /// Cases this officer handles (as lead or handler): a filter asked for.
    pub officer: Option<OfficerId>,
    /// Cases this officer handles: who may read them, when the reader may
    /// not read every case. Kept apart from `officer` so that both hold.
    pub handled_by: Option<OfficerId>,
    pub act_kind: Option<ActKind>,
    /// The stage the case stands at now.
    pub stage: Option<Stage>,
    /// Opened at or after.
    pub from: Option<Timestamp>,
    /// Opened before.
    pub until: Option<Timestamp>,
    /// A party's name contains this.
    pub party: Option<String>,
    /// The matter contains this.
    pub matter: Option<String>,
    /// The number, the matter or a party's name contains this.
    pub text: Option<String>,
    /// Newest first; otherwise oldest first. Cases opened at the same
    /// instant come in id order (reversed, newest first).
    pub newest_first: bool,
    /// At most this many cases (all if absent), after skipping `offset`.
    pub limit: Option<u32>,
    pub offset: u64,
}

impl CaseSearch {
    /// Whether every case matches (the paging and order aside).
    pub fn selects_every_case(&self) -> bool {
        let CaseSearch {
            units,
            officer,
            handled_by,
            act_kind,
            stage,
            from,
            until,
            party,
            matter,
            text,
            newest_first: _,
            limit: _,
            offset: _,
        } = self;
        units.is_none()
            && officer.is_none()
            && handled_by.is_none()
            && act_kind.is_none()
            && stage.is_none()
            && from.is_none()
            && until.is_none()
            && party.is_none()
            && matter.is_none()
            && text.is_none()
    }
}

/// A page of cases and how many match in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CasePage {
    pub total: u64,
    pub cases: Vec<Case>,
}

/// What a case's file holds besides the case itself, read for many cases
/// at once: its steps, approvals, links and document versions, each in the
/// order the single-case reads give, and the signatures of its documents
/// (document by document in that order, each document's in sequence).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFile {
    pub steps: Vec<StageStep>,
    pub approvals: Vec<Approval>,
    pub links: Vec<RecordingLink>,
    pub documents: Vec<Document>,
    pub signatures: Vec<Signature>,
}

/// Which findings to list. Every condition given must hold; `unit` is the
/// finding's own unit (not the units under it); times select on when the
/// finding was raised, `raised_from` inclusive, `raised_to` not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingQuery {
    /// Only findings not yet resolved.
    pub open_only: bool,
    pub case: Option<CaseId>,
    pub unit: Option<UnitId>,
    pub raised_from: Option<Timestamp>,
    pub raised_to: Option<Timestamp>,
}

/// A signed checkpoint the ledger issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The C2SP signed note, exactly as handed out.
    pub signed_note: String,
    pub created_at: Timestamp,
}

/// One recorded event: its entry, payload and the state changes it records.
#[derive(Clone, Debug)]
pub struct CommitItem {
    pub entry: LedgerEntry,
    pub payload_json: String,
    pub mutations: Vec<Mutation>,
}

/// What the ledger's sequencer hands the store in one transaction.
#[derive(Clone, Debug)]
pub struct CommitBatch {
    /// The ledger size the sequencer built this batch on; the commit fails
    /// with [`StoreError::LedgerMoved`] if another writer appended meanwhile.
    pub expected_size: u64,
    pub items: Vec<CommitItem>,
    /// Every Merkle node completed by these entries.
    pub nodes: Vec<(NodeId, Hash)>,
}

/// Errors from the metadata store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot reach the database at {target}: {source}. Check that the database server is running and the URL (database_url) is right"
    )]
    Unreachable {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    /// The server answered and refused: a wrong password or user, or a
    /// database it does not have.
    #[error("the database server at {target} refused the connection: {source}. {advice}")]
    Refused {
        target: String,
        advice: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "the database URL `{0}` is not understood: use a path to an SQLite file, `sqlite://PATH`, or `postgres://USER@HOST:PORT/DATABASE`"
    )]
    BadUrl(String),
    #[error("could not bring the database schema up to date: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the ledger grew from {expected} to {actual} entries while this batch was prepared; it will be retried")]
    LedgerMoved { expected: u64, actual: u64 },
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The disk (or quota) under the database is full: the change was
    /// rolled back.
    #[error(
        "the database's disk is full, so nothing of this change was stored. Free space where the database keeps its files (or raise its quota), then do it again"
    )]
    StorageFull(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// A database error, told apart when it is a full disk.
    pub(crate) fn database(error: sqlx::Error) -> Self {
        if storage_full(&error) {
            StoreError::StorageFull(error)
        } else {
            StoreError::Database(error)
        }
    }
}

/// SQLite's SQLITE_FULL (13, in the low byte of an extended code),
/// PostgreSQL's `disk_full` (53100), or a write that failed with ENOSPC or
/// EDQUOT.
fn storage_full(error: &sqlx::Error) -> bool {
    const SQLITE_FULL: i32 = 13;
    const POSTGRES_DISK_FULL: &str = "53100";
    const ENOSPC: i32 = 28;
    const EDQUOT: i32 = 122;
    match error {
        sqlx::Error::Database(database) => {
            let code = database.code().unwrap_or_default();
            if database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                code.parse::<i32>().is_ok_and(|code| code & 0xff == SQLITE_FULL)
            } else {
                code == POSTGRES_DISK_FULL
            }
        }
        sqlx::Error::Io(io) => matches!(io.raw_os_error(), Some(ENOSPC | EDQUOT)),
        _ => false,
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The metadata store. Reads are plain queries; every write goes through
/// [`MetaStore::commit`].
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Brings what the database plans queries with up to date after many
    /// rows were written at once (a restore, a generated instance), as
    /// PostgreSQL's autovacuum would in its own time — or never, where it
    /// is turned off. Without it a fresh PostgreSQL database counts the
    /// case list by reading the whole table. Nothing visible changes.
    async fn after_bulk_load(&self) -> Result<()>;

    // Directory.
    async fn agencies(&self) -> Result<Vec<Agency>>;
    async fn units(&self) -> Result<Vec<Unit>>;
    async fn officers(&self) -> Result<Vec<Officer>>;
    async fn devices(&self) -> Result<Vec<Device>>;
    async fn device_by_serial(&self, serial: &str) -> Result<Option<Device>>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_login(&self, login: &str) -> Result<Option<User>>;

    // Auth.
    async fn session_by_secret(&self, secret_sha256: &Sha256Digest) -> Result<Option<Session>>;
    async fn api_token_by_secret(&self, secret_sha256: &Sha256Digest) -> Result<Option<ApiToken>>;
    /// Every token issued to a device, revoked or not, oldest first.
    async fn api_tokens_of_device(&self, device: DeviceId) -> Result<Vec<ApiToken>>;

    // Media.
    async fn media(&self, id: MediaId) -> Result<Option<MediaRecord>>;
    async fn media_by_sha256(&self, sha256: &Sha256Digest) -> Result<Option<MediaRecord>>;
    /// Media records in id (time) order, after `after`, at most `limit`.
    async fn media_page(&self, after: Option<MediaId>, limit: u32) -> Result<Vec<MediaRecord>>;
    /// The same pages, each row read as its id and content digests only:
    /// what `verify` holds to the ledger for every record.
    async fn media_digests(&self, after: Option<MediaId>, limit: u32) -> Result<Vec<(MediaId, ContentDigests)>>;

    // Collection (采集).
    async fn recording(&self, media: MediaId) -> Result<Option<Recording>>;
    /// Recordings matching `query`, ordered by corrected start (those
    /// without one by ingest time).
    async fn recordings(&self, query: &RecordingQuery) -> Result<Vec<Recording>>;
    /// Explanations of interruptions, of one device or of all.
    async fn interruption_notes(&self, device: Option<DeviceId>) -> Result<Vec<InterruptionNote>>;
    /// Labels of AV records that belong to no case, of one recording or of
    /// all, ordered by recording, then sequence.
    async fn recording_labels(&self, media: Option<MediaId>) -> Result<Vec<RecordingLabel>>;

    // Cases (案件).
    async fn case(&self, id: CaseId) -> Result<Option<Case>>;
    async fn case_by_number(&self, number: &str) -> Result<Option<Case>>;
    /// Every case, oldest first.
    async fn cases(&self) -> Result<Vec<Case>>;
    /// The cases a search selects, one page of them, with the count of all.
    async fn case_page(&self, search: &CaseSearch) -> Result<CasePage>;
    /// The files of several cases at once (five queries per thousand
    /// cases); a case with nothing recorded yet gets an empty file.
    async fn case_files(&self, cases: &[CaseId]) -> Result<std::collections::HashMap<CaseId, CaseFile>>;
    /// A case's steps in order.
    async fn case_steps(&self, case: CaseId) -> Result<Vec<StageStep>>;
    /// A case's approval opinions in order.
    async fn case_approvals(&self, case: CaseId) -> Result<Vec<Approval>>;
    /// Every complaint with its outcome if decided, oldest first.
    async fn complaints(&self) -> Result<Vec<(Complaint, Option<ComplaintOutcome>)>>;
    /// Every document version of a case, in the order made.
    async fn documents(&self, case: CaseId) -> Result<Vec<Document>>;
    async fn document(&self, id: DocumentId) -> Result<Option<Document>>;
    /// A document version's signatures (and refusals) in order.
    async fn signatures(&self, document: DocumentId) -> Result<Vec<Signature>>;
    /// The AV records linked to a case, in the order they were linked.
    async fn case_links(&self, case: CaseId) -> Result<Vec<RecordingLink>>;
    /// The cases a recording is linked to, in the order it was linked.
    async fn recording_links(&self, media: MediaId) -> Result<Vec<RecordingLink>>;

    /// Duty log entries (执勤日志), of one officer or of all, ordered by
    /// officer, then sequence.
    async fn duty_log(&self, officer: Option<liuhen_core::id::OfficerId>) -> Result<Vec<liuhen_core::recording::DutyLogEntry>>;

    // Supervision (督察).
    /// Spot checks (抽检), newest first.
    async fn spot_checks(&self) -> Result<Vec<SpotCheck>>;
    async fn spot_check(&self, id: SpotCheckId) -> Result<Option<SpotCheck>>;
    /// The population a spot check was drawn from, as recorded.
    async fn spot_check_population(&self, id: SpotCheckId) -> Result<Vec<Member>>;
    /// Reviews of one spot check, or of all, by check, position, sequence.
    async fn spot_check_reviews(&self, check: Option<SpotCheckId>) -> Result<Vec<SpotCheckReview>>;
    /// The spot checks that drew any of these records or cases (ids as
    /// printed), newest first.
    async fn spot_checks_drawing(&self, subjects: &[String]) -> Result<Vec<SpotCheckId>>;
    /// The members a sample plan selects, as the store holds them now.
    async fn sample_candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>>;
    /// Events of one device, or of all, by device, then sequence.
    async fn device_events(&self, device: Option<DeviceId>) -> Result<Vec<liuhen_core::device::DeviceEvent>>;
    // Compliance (合规检查).
    /// Findings matching `query`, each with its resolution if resolved,
    /// ordered by when they were raised, then id.
    async fn findings(&self, query: &FindingQuery) -> Result<Vec<StoredFinding>>;
    /// One finding with its resolution if resolved.
    async fn finding(&self, id: FindingId) -> Result<Option<StoredFinding>>;

    // Custody (调阅、保存与销毁).
    /// Access requests (调阅申请), of one requester or of all, each with its
    /// decision if decided, oldest first (by when they were filed, then id).
    async fn access_files(&self, requester: Option<UserId>) -> Result<Vec<AccessFile>>;
    /// One access request with its decision if decided.
    async fn access_file(&self, id: AccessRequestId) -> Result<Option<AccessFile>>;
    /// Classification marks, on one case, record or document or on all, in
    /// the order they were made (the order of the ledger entries that
    /// recorded them), lifts included: `access::marks_in_force` reads them.
    async fn classification_marks(&self, target: Option<Target>) -> Result<Vec<ClassificationMark>>;
    /// Every legal hold with its release if released, oldest first (by when
    /// placed, then id).
    async fn legal_holds(&self) -> Result<Vec<LegalHold>>;
    /// One legal hold with its release if released.
    async fn legal_hold(&self, id: HoldId) -> Result<Option<LegalHold>>;
    /// Every disposal list with its approval if approved, oldest first (by
    /// when proposed, then id).
    async fn disposal_lists(&self) -> Result<Vec<DisposalList>>;
    /// One disposal list with its approval if approved.
    async fn disposal_list(&self, id: DisposalId) -> Result<Option<DisposalList>>;
    /// The Object Lock last recorded for each record's blob (its latest
    /// `SetBlobLock`), by media id.
    async fn blob_locks(&self) -> Result<Vec<BlobLock>>;
    /// The tombstones of disposed records, by when disposed of, then media id.
    async fn tombstones(&self) -> Result<Vec<Tombstone>>;
    /// The tombstone of one media record, if it was disposed of.
    async fn tombstone(&self, media: MediaId) -> Result<Option<Tombstone>>;
    /// Every package handed over, by when exported, then id.
    /// Party copies made from `source`, or all, oldest first.
    async fn redactions(&self, source: Option<liuhen_core::access::Target>) -> Result<Vec<liuhen_core::redaction::Redaction>>;
    /// The lineage of a derived record, if it is a party copy.
    async fn redaction(&self, derived: MediaId) -> Result<Option<liuhen_core::redaction::Redaction>>;
    async fn exports(&self) -> Result<Vec<ExportRecord>>;

    // Ledger.
    /// The number of entries: one more than the highest index.
    async fn ledger_size(&self) -> Result<u64>;
    async fn ledger_entry(&self, index: u64) -> Result<Option<StoredEntry>>;
    /// Whether any entry from index `start` on was written by someone
    /// other than `except_actor` with an action not in `except_actions`:
    /// how a background task tells whether anything it reads has changed
    /// since it last looked, without reading the entries.
    async fn ledger_written_since(&self, start: u64, except_actor: &str, except_actions: &[&str]) -> Result<bool>;
    /// Every entry that names `subject` (e.g. `media:…`), in index order.
    async fn ledger_entries_about(&self, subject: &str) -> Result<Vec<StoredEntry>>;
    /// Entries with index in `[start, start + limit)`, in index order. Rows
    /// that are missing are simply absent, so callers can see gaps.
    async fn ledger_entries(&self, start: u64, limit: u32) -> Result<Vec<StoredEntry>>;
    /// Stored node hashes for the given ids, in the same order.
    async fn ledger_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>>;
    /// Level-0 nodes (leaf hashes) with index in `[start, start + limit)`.
    async fn ledger_leaves(&self, start: u64, limit: u32) -> Result<Vec<(u64, Hash)>>;
    /// Stored nodes of one level with index in `[start, start + limit)`, in
    /// index order (one range read: how proof caches fill whole tiles).
    async fn ledger_node_range(&self, level: u8, start: u64, limit: u32) -> Result<Vec<(u64, Hash)>>;
    async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>>;
    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>>;
    /// Stores a checkpoint; storing one of an already checkpointed size is a no-op.
    async fn insert_checkpoint(&self, checkpoint: &StoredCheckpoint) -> Result<()>;

    /// Applies a batch atomically: its mutations, entries and nodes.
    async fn commit(&self, batch: &CommitBatch) -> Result<()>;
}

/// Opens the store named by `url` and brings its schema up to date.
///
/// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH`
/// or a plain path selects SQLite (the file is created if missing).
pub async fn open(url: &str) -> Result<Arc<dyn MetaStore>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else if let Some(path) = url.strip_prefix("sqlite://") {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(path)).await?))
    } else if url.contains("://") {
        Err(StoreError::BadUrl(url.to_owned()))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::open(std::path::Path::new(url)).await?))
    }
}

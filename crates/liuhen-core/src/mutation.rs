//! State changes, as data.
//!
//! Every change to the metadata store is a [`Mutation`] recorded together
//! with a ledger entry: the ledger's sequencer hands both to the store, which
//! applies them in one transaction. This is how the invariant "every state
//! change has a ledger entry written in the same transaction" is kept: there
//! is no other write path.

use crate::access::{AccessDecision, AccessRequest, ClassificationMark, ExportRecord};
use crate::case::{Approval, Case, RecordingLink, StageStep};
use crate::complaint::{Complaint, ComplaintOutcome};
use crate::compliance::{FindingResolution, StoredFinding};
use crate::device::DeviceEvent;
use crate::document::{Document, Signature};
use crate::entity::{Agency, ApiToken, Device, MediaRecord, Officer, Session, Unit, User};
use crate::id::{SessionId, TokenId};
use crate::recording::{DutyLogEntry, InterruptionNote, Recording, RecordingLabel};
use crate::redaction::Redaction;
use crate::retention::{BlobLock, DisposalApproval, DisposalList, HoldRelease, LegalHold, Tombstone};
use crate::supervision::{Member, SpotCheck, SpotCheckReview};

/// One change to the metadata store.
#[derive(Clone, Debug, PartialEq)]
pub enum Mutation {
    CreateAgency(Agency),
    CreateUnit(Unit),
    CreateOfficer(Officer),
    CreateDevice(Device),
    CreateUser(User),
    CreateMedia(MediaRecord),
    CreateSession(Session),
    EndSession(SessionId),
    CreateApiToken(ApiToken),
    RevokeApiToken(TokenId),
    /// Registers a file offloaded from a device (its media record exists or
    /// is created in the same batch).
    CreateRecording(Box<Recording>),
    /// An officer's explanation of an interruption; one per gap.
    NoteInterruption(InterruptionNote),
    /// Opens a case.
    CreateCase(Box<Case>),
    /// Records one step of a case's procedure; its sequence number must be
    /// the next one for the case.
    RecordStageStep(StageStep),
    /// Links an AV record to a case at a stage; one link per recording, case and stage.
    LinkRecording(Box<RecordingLink>),
    /// Records one opinion in a case's approval chain; its sequence number
    /// must be the next one for the case.
    RecordApproval(Box<Approval>),
    /// Makes a document version; a correction names the version it supersedes.
    CreateDocument(Box<Document>),
    /// Records a signature (or a refusal to sign) on a document version.
    RecordSignature(Box<Signature>),
    /// Registers a complaint or report as received.
    CreateComplaint(Box<Complaint>),
    /// Records what became of a complaint; once per complaint.
    RecordComplaintOutcome(Box<ComplaintOutcome>),
    /// Labels an AV record that belongs to no case (信息标注); its sequence
    /// number must be the next one for the recording.
    LabelRecording(Box<RecordingLabel>),
    /// Raises a compliance finding, open: its `resolution` must be `None`
    /// (the store refuses one that comes resolved), and (key, generation)
    /// must be new.
    RaiseFinding(Box<StoredFinding>),
    /// Resolves a raised finding; once per finding.
    ResolveFinding(Box<FindingResolution>),
    /// Adds an entry to an officer's duty log (执勤日志); its sequence number
    /// must be the next one for the officer.
    RecordDutyLog(Box<DutyLogEntry>),
    /// Files an access request (调阅申请), undecided.
    FileAccessRequest(Box<AccessRequest>),
    /// Decides a filed request; once per request.
    DecideAccess(Box<AccessDecision>),
    /// Places or lifts a classification mark on a case, record or document.
    MarkClassification(Box<ClassificationMark>),
    /// Places a legal hold; its `released` must be `None`.
    PlaceHold(Box<LegalHold>),
    /// Releases a hold in force; once per hold.
    ReleaseHold(Box<HoldRelease>),
    /// Proposes a disposal list, unapproved.
    ProposeDisposal(Box<DisposalList>),
    /// Approves a disposal list; once per list.
    ApproveDisposal(Box<DisposalApproval>),
    /// Records that a media record's blob was disposed of; once per media
    /// record, which must be on an approved list. The media record stays.
    DisposeMedia(Box<Tombstone>),
    /// Records the Object Lock the vault's bucket accepted for a record's
    /// blob; the record exists and is not disposed of, and its date is
    /// never earlier than the one recorded before.
    SetBlobLock(Box<BlobLock>),
    /// Records a package handed over.
    RecordExport(Box<ExportRecord>),
    /// Records a party copy and its lineage; its derived media record is
    /// created in the same batch (or exists), its source exists, and a
    /// derived record has one lineage.
    MakeRedaction(Box<Redaction>),
    /// Records a drawn spot check (抽检) with the population it was drawn
    /// from (every member, with its stratum).
    DrawSpotCheck(Box<SpotCheck>, Vec<Member>),
    /// Records a review of one drawn item; its sequence number must be the
    /// next one for the item.
    ReviewSpotCheck(Box<SpotCheckReview>),
    /// Records an event of a device's life; its sequence number must be the
    /// next one for the device. An assignment also sets the device's
    /// holder and unit in the register.
    RecordDeviceEvent(Box<DeviceEvent>),
}

/// Action names written into ledger entries, one per kind of event.
pub mod action {
    pub const INSTANCE_INITIALISED: &str = "instance.initialised";
    pub const AGENCY_CREATED: &str = "agency.created";
    pub const UNIT_CREATED: &str = "unit.created";
    pub const OFFICER_CREATED: &str = "officer.created";
    pub const DEVICE_CREATED: &str = "device.created";
    pub const USER_CREATED: &str = "user.created";
    pub const MEDIA_STORED: &str = "media.stored";
    pub const SESSION_STARTED: &str = "session.started";
    pub const SESSION_ENDED: &str = "session.ended";
    pub const LOGIN_FAILED: &str = "session.login_failed";
    pub const TOKEN_ISSUED: &str = "token.issued";
    pub const TOKEN_REVOKED: &str = "token.revoked";
    /// A file offloaded from a device was stored and registered.
    pub const RECORDING_INGESTED: &str = "recording.ingested";
    /// A file was deleted from the device after its copy was verified.
    pub const RECORDING_CLEARED_FROM_DEVICE: &str = "recording.cleared_from_device";
    pub const INTERRUPTION_EXPLAINED: &str = "interruption.explained";
    pub const CASE_OPENED: &str = "case.opened";
    pub const CASE_STAGE: &str = "case.stage";
    pub const RECORDING_LINKED: &str = "recording.linked";
    pub const CASE_APPROVAL: &str = "case.approval";
    pub const DOCUMENT_MADE: &str = "document.made";
    pub const DOCUMENT_SIGNED: &str = "document.signed";
    pub const COMPLAINT_RECEIVED: &str = "complaint.received";
    pub const COMPLAINT_DECIDED: &str = "complaint.decided";
    /// An AV record that belongs to no case was labelled (信息标注).
    pub const RECORDING_LABELED: &str = "recording.labeled";
    /// A compliance check found a breach of a rule of the pack in force.
    pub const FINDING_RAISED: &str = "finding.raised";
    /// A finding was answered by new facts or by an accepted explanation.
    pub const FINDING_RESOLVED: &str = "finding.resolved";
    /// A policy pack (and its version) was chosen as the one in force.
    pub const PACK_SELECTED: &str = "pack.selected";
    /// An officer recorded in the duty log why recording was impossible (厦门 六（二）).
    pub const DUTY_LOGGED: &str = "duty.logged";
    pub const ACCESS_REQUESTED: &str = "access.requested";
    pub const ACCESS_APPROVED: &str = "access.approved";
    pub const ACCESS_REFUSED: &str = "access.refused";
    /// A record was read: metadata viewed, streamed, downloaded or exported
    /// (payload: `access::ReadAudit`). No state changes.
    pub const RECORD_READ: &str = "record.read";
    /// A viewing session (stream) ended, with the bytes it served.
    pub const STREAM_ENDED: &str = "record.stream_ended";
    pub const CLASSIFICATION_MARKED: &str = "classification.marked";
    pub const HOLD_PLACED: &str = "hold.placed";
    pub const HOLD_RELEASED: &str = "hold.released";
    pub const DISPOSAL_PROPOSED: &str = "disposal.proposed";
    pub const DISPOSAL_APPROVED: &str = "disposal.approved";
    /// A blob was deleted at the end of its retention; the tombstone stays.
    pub const MEDIA_DISPOSED: &str = "media.disposed";
    /// The vault's bucket accepted a blob's retain-until date or legal hold
    /// (S3 Object Lock).
    pub const BLOB_LOCKED: &str = "blob.locked";
    pub const PACKAGE_EXPORTED: &str = "package.exported";
    /// A party copy (当事人查阅副本) was derived from an original.
    pub const REDACTION_MADE: &str = "redaction.made";
    pub const BACKUP_MADE: &str = "backup.made";
    /// A spot check's sample was drawn (抽检).
    pub const SPOT_CHECK_DRAWN: &str = "spot_check.drawn";
    /// An item of a spot check was reviewed against the rubric.
    pub const SPOT_CHECK_REVIEWED: &str = "spot_check.reviewed";
    /// A device was handed to an officer or unit, or taken back (配发).
    pub const DEVICE_ASSIGNED: &str = "device.assigned";
    /// A device was checked before use (使用前检查).
    pub const DEVICE_CHECKED: &str = "device.checked";
    /// A device fault was reported; it is out of use (叶县 第二十一条).
    pub const DEVICE_FAULT: &str = "device.fault_reported";
    pub const DEVICE_REPAIRED: &str = "device.repaired";
    /// A device was reported lost or stolen.
    pub const DEVICE_LOST: &str = "device.lost";
    pub const DEVICE_RECOVERED: &str = "device.recovered";
    pub const DEVICE_RETIRED: &str = "device.retired";

    /// Actions that change no fact of a record, a case or a person: reads,
    /// sign-ins and their failures, and the Object Lock the bucket
    /// accepted. A process that keeps something derived from the facts (the
    /// compliance findings, the blobs' locks) has nothing new to do for them.
    pub const NOT_FACTS: [&str; 5] = [RECORD_READ, SESSION_STARTED, SESSION_ENDED, LOGIN_FAILED, BLOB_LOCKED];
}

//! Retention, legal holds and disposal: the service behind
//! `liuhen hold …`, `liuhen retention …` and `/api/v1/holds`, `/api/v1/retention`.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use liuhen_core::access::Target;
use liuhen_core::document::DocumentKind;
use liuhen_core::entity::{MediaRecord, Role, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{CaseId, DisposalId, HoldId, MediaId};
use liuhen_core::mutation::{action, Mutation};
use liuhen_core::pack::PolicyPack;
use liuhen_core::retention::{
    expiry, wanted_lock, BlobLock, CaseClock, DisposalApproval, DisposalList, Expiry, HoldReason, HoldRelease, LegalHold, LockChange,
    RetentionFacts, Tombstone,
};
use liuhen_ledger::Ledger;
use liuhen_store::MetaStore;
use liuhen_vault::Vault;
use serde::Serialize;
use serde_json::json;

use crate::access::user_actor;
use crate::{check_text, CustodyError, Result};

/// One stored record and when it may go.
#[derive(Clone, Debug, Serialize)]
pub struct RecordRetention {
    pub media: MediaRecord,
    pub expiry: Expiry,
    /// Set once the record was disposed of.
    pub disposed_at: Option<Timestamp>,
}

/// The clocks of every case (archived when, final decision served when)
/// and the cases each record is linked to, read a thousand case files at a
/// time.
async fn case_clocks(store: &dyn MetaStore) -> Result<(HashMap<CaseId, CaseClock>, HashMap<MediaId, Vec<CaseId>>)> {
    let mut clocks = HashMap::new();
    let mut linked: HashMap<MediaId, Vec<CaseId>> = HashMap::new();
    let every = store.cases().await?;
    for chunk in every.chunks(1000) {
        let ids: Vec<CaseId> = chunk.iter().map(|case| case.id).collect();
        for (case, file) in store.case_files(&ids).await? {
            let archived_at = file.steps.iter().rev().find(|step| step.step == liuhen_core::case::Step::Archive).map(|step| step.at);
            let decision_served_at = file
                .documents
                .iter()
                .filter(|document| document.kind == DocumentKind::ServiceReceipt)
                .map(|document| document.made_at)
                .max();
            clocks.insert(case, CaseClock { case, archived_at, decision_served_at });
            for link in &file.links {
                let cases = linked.entry(link.media_id).or_default();
                if !cases.contains(&case) {
                    cases.push(case);
                }
            }
        }
    }
    Ok((clocks, linked))
}

/// Every stored record with its expiry under `pack`, oldest first.
pub async fn retention_of_all(store: &dyn MetaStore, pack: &PolicyPack) -> Result<Vec<RecordRetention>> {
    let (clocks, linked) = case_clocks(store).await?;
    let holds = store.legal_holds().await?;
    let tombstones: HashMap<MediaId, Tombstone> = store.tombstones().await?.into_iter().map(|t| (t.media.id, t)).collect();
    let recordings: HashMap<MediaId, liuhen_core::recording::Recording> =
        store.recordings(&Default::default()).await?.into_iter().map(|r| (r.media_id, r)).collect();
    let labels = store.recording_labels(None).await?;
    let important: BTreeSet<MediaId> = labels.iter().filter(|label| label.label.contains("重要")).map(|label| label.media_id).collect();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.media_page(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for media in page {
            let recording = recordings.get(&media.id);
            let ended_at = recording.and_then(|r| r.corrected_end.or(r.corrected_start)).unwrap_or(media.stored_at);
            let cases =
                linked.get(&media.id).map_or_else(Vec::new, |cases| cases.iter().filter_map(|case| clocks.get(case).cloned()).collect());
            let facts = RetentionFacts {
                media: &media,
                ended_at,
                important: recording.is_some_and(|r| r.important) || important.contains(&media.id),
                cases,
            };
            let expiry = expiry(pack, &facts, &holds);
            let disposed_at = tombstones.get(&media.id).map(|t| t.disposed_at);
            out.push(RecordRetention { media, expiry, disposed_at });
        }
    }
    Ok(out)
}

/// The retention of one record.
pub async fn retention_of(store: &dyn MetaStore, pack: &PolicyPack, media: MediaId) -> Result<RecordRetention> {
    retention_of_all(store, pack)
        .await?
        .into_iter()
        .find(|record| record.media.id == media)
        .ok_or_else(|| CustodyError::NotFound(format!("there is no stored record {media}")))
}

/// Places a legal hold on a case or a record.
pub async fn place_hold(ledger: &Ledger, target: Target, reason: HoldReason, note: &str, actor: &str, now: Timestamp) -> Result<LegalHold> {
    let store = ledger.store().as_ref();
    let exists = match target {
        Target::Case(id) => store.case(id).await?.is_some(),
        Target::Media(id) => store.media(id).await?.is_some(),
        Target::Document(_) => return Err(CustodyError::Invalid("a hold is placed on a case or an AV record, not on one document".into())),
    };
    if !exists {
        return Err(CustodyError::NotFound(format!("{target} does not exist; check the id")));
    }
    let hold = LegalHold {
        id: HoldId::new(),
        target,
        reason,
        note: check_text("the note (冻结原因)", note, false)?,
        placed_at: now,
        placed_by: actor.to_owned(),
        released: None,
    };
    let draft = EntryDraft::new(actor, action::HOLD_PLACED)
        .subject(hold.id.subject())
        .subject(target.subject())
        .payload(json!({ "reason": reason, "note": hold.note }));
    ledger.record(draft, vec![Mutation::PlaceHold(Box::new(hold.clone()))]).await?;
    Ok(hold)
}

/// Releases a hold in force.
pub async fn release_hold(ledger: &Ledger, id: HoldId, note: &str, actor: &str, now: Timestamp) -> Result<LegalHold> {
    let store = ledger.store().as_ref();
    let mut hold = store.legal_hold(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no hold {id}")))?;
    if let Some(released) = &hold.released {
        return Err(CustodyError::Invalid(format!("hold {id} was already released on {}", released.at)));
    }
    let release = HoldRelease { hold: id, note: check_text("the note (解除原因)", note, false)?, at: now, by: actor.to_owned() };
    let draft = EntryDraft::new(actor, action::HOLD_RELEASED)
        .subject(id.subject())
        .subject(hold.target.subject())
        .payload(json!({ "note": release.note }));
    ledger.record(draft, vec![Mutation::ReleaseHold(Box::new(release.clone()))]).await?;
    hold.released = Some(release);
    Ok(hold)
}

/// Records expired at `now`, not yet disposed of and not on a list still
/// waiting to be carried out.
pub async fn expired(store: &dyn MetaStore, pack: &PolicyPack, now: Timestamp) -> Result<Vec<RecordRetention>> {
    let waiting: BTreeSet<MediaId> = pending_lists(store).await?.into_iter().flat_map(|list| list.media).collect();
    Ok(retention_of_all(store, pack)
        .await?
        .into_iter()
        .filter(|record| record.disposed_at.is_none() && record.expiry.expired(now) && !waiting.contains(&record.media.id))
        .collect())
}

/// Lists not yet carried out in full: some record on them still has its tombstone to come.
async fn pending_lists(store: &dyn MetaStore) -> Result<Vec<DisposalList>> {
    let disposed: BTreeSet<MediaId> = store.tombstones().await?.into_iter().map(|t| t.media.id).collect();
    Ok(store.disposal_lists().await?.into_iter().filter(|list| list.media.iter().any(|m| !disposed.contains(m))).collect())
}

/// Proposes a disposal list (销毁清单) of every record expired now; `None`
/// if nothing has expired.
pub async fn propose(ledger: &Ledger, pack: &PolicyPack, actor: &str, now: Timestamp) -> Result<Option<DisposalList>> {
    let store = ledger.store().as_ref();
    let media: Vec<MediaId> = expired(store, pack, now).await?.into_iter().map(|record| record.media.id).collect();
    if media.is_empty() {
        return Ok(None);
    }
    let list = DisposalList { id: DisposalId::new(), media, proposed_at: now, proposed_by: actor.to_owned(), approval: None };
    let mut draft = EntryDraft::new(actor, action::DISPOSAL_PROPOSED)
        .subject(list.id.subject())
        .payload(json!({ "records": list.media.len(), "pack": pack.id, "pack_version": pack.version }));
    for media in &list.media {
        draft = draft.subject(media.subject());
    }
    ledger.record(draft, vec![Mutation::ProposeDisposal(Box::new(list.clone()))]).await?;
    Ok(Some(list))
}

/// Approves a disposal list: a unit leader or administrator other than the
/// one who proposed it.
pub async fn approve(ledger: &Ledger, approver: &User, id: DisposalId, note: &str, now: Timestamp) -> Result<DisposalList> {
    let store = ledger.store().as_ref();
    let mut list = store.disposal_list(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no disposal list {id}")))?;
    if let Some(approval) = &list.approval {
        return Err(CustodyError::Invalid(format!(
            "disposal list {id} was already approved by {} on {}",
            approval.approver_name, approval.at
        )));
    }
    if ![Role::UnitLeader, Role::Administrator].iter().any(|role| approver.has_role(*role)) {
        return Err(CustodyError::Refused(
            "销毁清单须由单位负责人或系统管理员审批。Approving a disposal list needs the unit_leader or administrator role".into(),
        ));
    }
    if list.proposed_by == user_actor(approver) {
        return Err(CustodyError::Refused("a disposal list cannot be approved by the person who proposed it".into()));
    }
    let approval = DisposalApproval {
        list: id,
        approver: approver.id,
        approver_name: approver.display_name.clone(),
        note: check_text("the opinion (审批意见)", note, false)?,
        at: now,
    };
    let draft = EntryDraft::new(user_actor(approver), action::DISPOSAL_APPROVED)
        .subject(id.subject())
        .payload(json!({ "note": approval.note, "records": list.media.len() }));
    ledger.record(draft, vec![Mutation::ApproveDisposal(Box::new(approval.clone()))]).await?;
    list.approval = Some(approval);
    Ok(list)
}

/// What a disposal run did to each record on the list.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DisposalReport {
    pub list: Option<DisposalId>,
    /// Deleted now (tombstone recorded, blob removed).
    pub disposed: Vec<MediaId>,
    /// Tombstone already on record; a blob left by an interrupted run was removed.
    pub finished: Vec<MediaId>,
    /// Kept: held since the list was approved, or not expired under the
    /// pack now in force, with the reason.
    pub kept: Vec<(MediaId, String)>,
}

/// Carries out an approved disposal list: for each record, checks again
/// that it has expired and is not held, records its tombstone, and then —
/// only then — deletes the blob. Safe to run again after an interruption.
pub async fn dispose(
    ledger: &Ledger,
    vault: &Vault,
    pack: &PolicyPack,
    id: DisposalId,
    actor: &str,
    now: Timestamp,
) -> Result<DisposalReport> {
    let store = ledger.store().as_ref();
    let list = store.disposal_list(id).await?.ok_or_else(|| CustodyError::NotFound(format!("there is no disposal list {id}")))?;
    let Some(approval) = list.approval.clone() else {
        return Err(CustodyError::Refused(format!(
            "disposal list {id} is not approved yet; a unit leader or administrator approves it with `liuhen retention approve {id}`"
        )));
    };
    let all: HashMap<MediaId, RecordRetention> = retention_of_all(store, pack).await?.into_iter().map(|r| (r.media.id, r)).collect();
    let mut report = DisposalReport { list: Some(id), ..DisposalReport::default() };
    for media_id in &list.media {
        let Some(record) = all.get(media_id) else {
            report.kept.push((*media_id, "no such record".into()));
            continue;
        };
        if let Some(tombstone) = store.tombstone(*media_id).await? {
            if vault.dispose(&tombstone).await? {
                report.finished.push(*media_id);
            }
            continue;
        }
        if !record.expiry.holds.is_empty() {
            report.kept.push((*media_id, format!("held ({} hold(s) in force)", record.expiry.holds.len())));
            continue;
        }
        let Some(expired_at) = record.expiry.expires_at.filter(|at| *at <= now) else {
            let why = record.expiry.kept_because.clone().unwrap_or_else(|| "not expired under the pack in force".into());
            report.kept.push((*media_id, why));
            continue;
        };
        let tombstone = Tombstone {
            media: record.media.clone(),
            list: id,
            approver: approval.approver,
            class: record.expiry.class,
            expired_at,
            disposed_at: now,
            disposed_by: actor.to_owned(),
        };
        let draft = EntryDraft::new(actor, action::MEDIA_DISPOSED).subject(media_id.subject()).subject(id.subject()).payload(json!({
            "sha256": tombstone.media.sha256, "sm3": tombstone.media.sm3, "size": tombstone.media.size,
            "original_name": tombstone.media.original_name, "class": tombstone.class, "expired_at": expired_at,
            "approver": approval.approver, "approved_at": approval.at,
        }));
        ledger.record(draft, vec![Mutation::DisposeMedia(Box::new(tombstone.clone()))]).await?;
        vault.dispose(&tombstone).await?;
        report.disposed.push(*media_id);
    }
    Ok(report)
}

/// What a lock pass did (see [`lock_blobs`]).
#[derive(Clone, Debug, Default, Serialize)]
pub struct LockReport {
    /// Records looked at: every one not disposed of.
    pub records: usize,
    /// Blobs given a retain-until date (a first one or a later one).
    pub dated: usize,
    /// Blobs a legal hold was put on.
    pub held: usize,
    /// Blobs a legal hold was taken off.
    pub released: usize,
    /// Blobs whose lock already was what they need.
    pub unchanged: usize,
    /// Records whose blob the bucket does not have (`liuhen verify` says more).
    pub missing: Vec<MediaId>,
    /// Requests that failed, and the first failure's reason.
    pub failed: usize,
    pub first_failure: Option<String>,
    /// Changes not sent because the bucket kept failing; the next pass sends them.
    pub not_sent: usize,
}

impl LockReport {
    /// Whether every lock is now what it should be.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.failed == 0 && self.not_sent == 0
    }

    /// Whether anything was sent to the bucket and accepted.
    pub fn changed(&self) -> bool {
        self.dated + self.held + self.released > 0
    }

    /// What went wrong, in a sentence, when not [`complete`](Self::complete).
    pub fn problems(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.failed > 0 {
            parts.push(format!(
                "{} lock request(s) failed (first: {})",
                self.failed,
                self.first_failure.as_deref().unwrap_or("no reason given")
            ));
        }
        if self.not_sent > 0 {
            parts.push(format!("{} change(s) were not sent after that and wait for the next pass", self.not_sent));
        }
        if !self.missing.is_empty() {
            let shown: Vec<String> = self.missing.iter().take(5).map(ToString::to_string).collect();
            parts.push(format!(
                "the bucket has no blob for {} record(s) ({}{}); run `liuhen verify`",
                self.missing.len(),
                shown.join(", "),
                if self.missing.len() > shown.len() { ", …" } else { "" }
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// The ledger actor of the lock passes made after each change (by `liuhen
/// serve` and by the commands that record something).
pub const LOCKER_ACTOR: &str = "system:object_lock";

/// Locks recorded in one ledger entry.
const LOCKS_PER_ENTRY: usize = 256;

/// Lock requests in flight at once.
const LOCKS_IN_FLIGHT: usize = 8;

/// Failed requests after which a pass stops sending: the bucket is not
/// answering, and the next pass tries again.
const FAILURES_BEFORE_STOPPING: usize = 8;

/// Brings the Object Lock of every record's blob in the vault's bucket up
/// to what its retention needs now: a retain-until date in compliance mode
/// at its expiry, and a legal hold while it is held or kept with no end in
/// sight (see [`wanted_lock`]). Sends only what changed since the lock last
/// recorded for it (`SetBlobLock`, `blob.locked` in the ledger), or, with
/// `again`, everything each blob needs, to repair a bucket. Each change is
/// recorded once the bucket accepted it, so a pass cut short keeps what it
/// did and the next one finishes. A blob the bucket does not have, or a
/// request that fails, does not stop the others; the report says what was
/// left. The caller has checked that the bucket has Object Lock
/// ([`Vault::object_lock_support`]).
pub async fn lock_blobs(ledger: &Ledger, vault: &Vault, pack: &PolicyPack, actor: &str, now: Timestamp, again: bool) -> Result<LockReport> {
    let store = ledger.store().as_ref();
    let known: HashMap<MediaId, BlobLock> = store.blob_locks().await?.into_iter().map(|lock| (lock.media, lock)).collect();
    let mut report = LockReport::default();
    let mut changes = Vec::new();
    for record in retention_of_all(store, pack).await? {
        if record.disposed_at.is_some() {
            continue;
        }
        report.records += 1;
        let known = known.get(&record.media.id);
        match LockChange::needed(known, wanted_lock(&record.expiry, now), again) {
            Some(change) => changes.push((record.media, change, known.cloned())),
            None => report.unchanged += 1,
        }
    }
    let mut accepted = Vec::new();
    let mut in_flight = tokio::task::JoinSet::new();
    let mut changes = changes.into_iter();
    loop {
        while report.failed < FAILURES_BEFORE_STOPPING && in_flight.len() < LOCKS_IN_FLIGHT {
            let Some((media, change, known)) = changes.next() else { break };
            let vault = vault.clone();
            in_flight.spawn(async move {
                let sent = vault.lock_blob(&media.sha256, change.retain_until, change.legal_hold).await;
                (media, change, known, sent)
            });
        }
        let Some(done) = in_flight.join_next().await else { break };
        let (media, change, known, sent) = done.expect("a lock request does not panic");
        match sent {
            Ok(true) => {
                let had_hold = known.as_ref().is_some_and(|lock| lock.legal_hold);
                report.dated += usize::from(change.retain_until.is_some());
                report.held += usize::from(change.legal_hold == Some(true) && !had_hold);
                report.released += usize::from(change.legal_hold == Some(false) && had_hold);
                accepted.push(change.applied(known.as_ref(), media.id, actor, now));
                if accepted.len() == LOCKS_PER_ENTRY {
                    record_locks(ledger, actor, std::mem::take(&mut accepted)).await?;
                }
            }
            Ok(false) => report.missing.push(media.id),
            Err(error) => {
                report.failed += 1;
                report.first_failure.get_or_insert_with(|| error.to_string());
            }
        }
    }
    report.not_sent = changes.len();
    if !accepted.is_empty() {
        record_locks(ledger, actor, accepted).await?;
    }
    report.missing.sort();
    Ok(report)
}

/// Records locks the bucket accepted, in one ledger entry.
async fn record_locks(ledger: &Ledger, actor: &str, locks: Vec<BlobLock>) -> Result<()> {
    let mut draft = EntryDraft::new(actor, action::BLOB_LOCKED);
    for lock in &locks {
        draft = draft.subject(lock.media.subject());
    }
    let draft = draft.payload(json!({
        "locks": locks.iter().map(|lock| json!({ "media": lock.media, "retain_until": lock.retain_until, "legal_hold": lock.legal_hold })).collect::<Vec<_>>(),
    }));
    ledger.record(draft, locks.into_iter().map(|lock| Mutation::SetBlobLock(Box::new(lock))).collect()).await?;
    Ok(())
}

/// Approved lists still to be carried out, oldest first.
pub async fn approved_pending(store: &dyn MetaStore) -> Result<Vec<DisposalList>> {
    Ok(pending_lists(store).await?.into_iter().filter(|list| list.approval.is_some()).collect())
}

/// Lists waiting for approval, oldest first.
pub async fn awaiting_approval(store: &dyn MetaStore) -> Result<Vec<DisposalList>> {
    Ok(pending_lists(store).await?.into_iter().filter(|list| list.approval.is_none()).collect())
}

//! `liuhen verify`: recompute everything that can be recomputed and compare.
//!
//! The ledger check reads every entry in index order, recomputes its
//! canonical bytes and leaf hash from the stored fields, checks the payload
//! against its digest, rebuilds the tree, and at every checkpointed size
//! compares the rebuilt root with the signed checkpoint, whose signature is
//! checked too. Because all checkpoints are compared with one rebuilt
//! sequence, they are also shown consistent with each other. Where a root
//! matches, the entries are exactly what was signed; stored leaves are then
//! compared only where no signature vouches for the entries — after the
//! first mismatching checkpoint, to name the altered entries, and after the
//! last checkpoint. (Damage to stored tree nodes elsewhere is caught when a
//! proof is made: proofs are checked before they are handed out.) The blob
//! check re-reads every stored file and recomputes SHA-256 and SM3, except
//! the files of records disposed of at the end of their retention: those
//! were deleted on purpose, from an approved disposal list, and their
//! tombstones are in the store, so they are neither missing nor checked
//! (a file still there is one whose deletion was interrupted). Last, the
//! vault is listed: a file in it that no record names is a notice, not a
//! problem. It changes no evidence, but it is work left half done (a put
//! killed after it published, before its entry), or a file put there by
//! hand, and an administrator should know.
//!
//! The media table is checked with the ledger, not with the blobs: each
//! row against the entry that created its record, and each record the
//! ledger created must still have its row ([`media_rows`]). The blob check
//! trusts the rows, so without this a row deleted, or pointed at other
//! content, behind Liuhen's back would pass. It reads metadata only (one
//! read of the table, the entries taken from the ledger pass), so
//! `liuhen verify --skip-blobs` does it too.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use liuhen_core::digest::{sha256, Sha256Digest};
use liuhen_core::id::MediaId;
use liuhen_core::merkle::Frontier;
use liuhen_core::note::{open_note, Checkpoint, NoteVerifier};
use liuhen_store::{MetaStore, StoredEntry};
use liuhen_vault::{ListedBlob, Vault, VaultError};
use serde::Serialize;

use crate::recorded_media::RecordedMedia;
use crate::Result;

mod media_rows;

/// Entries read per store query.
const PAGE: u32 = 8192;
/// Problems of one kind listed one by one before they are only counted.
const LIST_LIMIT: usize = 1000;

/// One thing found wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// A ledger row is gone.
    EntryMissing { index: u64 },
    /// A ledger row's fields no longer hash to the leaf stored for it.
    EntryAltered { index: u64 },
    /// A ledger row's payload no longer matches the digest in its entry.
    PayloadAltered { index: u64 },
    /// A leaf hash is missing from the tree, so the tree cannot be rebuilt past it.
    LeafMissing { index: u64 },
    /// The rebuilt tree does not match a signed checkpoint.
    CheckpointMismatch { size: u64 },
    /// A checkpoint's signature or text does not check out.
    CheckpointInvalid { size: u64, reason: String },
    /// A checkpoint covers more entries than the ledger holds: rows were removed from the end.
    LedgerTruncated { checkpoint_size: u64, ledger_size: u64 },
    /// A stored file is gone.
    BlobMissing { sha256: Sha256Digest, media_id: MediaId },
    /// A stored file's bytes no longer match its record.
    BlobAltered { sha256: Sha256Digest, media_id: MediaId, detail: String },
    /// A stored file could not be read.
    BlobUnreadable { sha256: Sha256Digest, media_id: MediaId, detail: String },
    /// The vault could not be listed, so files no record names were not looked for.
    VaultUnlisted { detail: String },
    /// A media record's row no longer gives the content the entry that
    /// created it recorded (`sha256` is the entry's).
    MediaRecordAltered { media_id: MediaId, sha256: Sha256Digest, index: u64, detail: String },
    /// A media record the ledger created has no row any more.
    MediaRecordMissing { media_id: MediaId, sha256: Sha256Digest, index: u64 },
    /// A media row that no ledger entry created.
    MediaRecordUnrecorded { media_id: MediaId, sha256: Sha256Digest },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::EntryMissing { index } => write!(f, "ledger entry {index} is missing"),
            Problem::EntryAltered { index } => write!(f, "ledger entry {index} was altered: its fields no longer match its leaf hash"),
            Problem::PayloadAltered { index } => write!(f, "ledger entry {index} has an altered payload"),
            Problem::LeafMissing { index } => write!(f, "the tree has no leaf for entry {index}; it cannot be rebuilt past it"),
            Problem::CheckpointMismatch { size } => write!(f, "the signed checkpoint of size {size} does not match the entries"),
            Problem::CheckpointInvalid { size, reason } => write!(f, "the checkpoint of size {size} is invalid: {reason}"),
            Problem::LedgerTruncated { checkpoint_size, ledger_size } => write!(f, "a signed checkpoint covers {checkpoint_size} entries but the ledger holds only {ledger_size}: entries were removed from the end"),
            Problem::BlobMissing { sha256, media_id } => write!(f, "blob {sha256} (media {media_id}) is missing from the vault"),
            Problem::BlobAltered { sha256, media_id, detail } => write!(f, "blob {sha256} (media {media_id}) was altered: {detail}"),
            Problem::BlobUnreadable { sha256, media_id, detail } => write!(f, "blob {sha256} (media {media_id}) cannot be read: {detail}"),
            Problem::VaultUnlisted { detail } => write!(f, "the vault could not be listed, so it was not checked for files no record names: {detail}"),
            Problem::MediaRecordAltered { media_id, sha256, index, detail } => write!(f, "media record {media_id} was altered: ledger entry {index} recorded it as SHA-256 {sha256}, its row now gives {detail}"),
            Problem::MediaRecordMissing { media_id, sha256, index } => write!(f, "media record {media_id} (SHA-256 {sha256}), created by ledger entry {index}, is gone from the database: its row was deleted behind Liuhen's back (a record disposed of keeps its row)"),
            Problem::MediaRecordUnrecorded { media_id, sha256 } => write!(f, "media record {media_id} (SHA-256 {sha256}) was created by no ledger entry: its row was added behind Liuhen's back, or the entry that created it is missing"),
        }
    }
}

/// Something found in the vault that no record accounts for. It alters
/// no evidence, so it does not fail a verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A published blob that no media record names.
    BlobUnrecorded { sha256: Sha256Digest },
    /// A file in the vault's blob area that is not a blob: its name or
    /// place is not the one its content would be published under.
    StrayFile { key: String },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::BlobUnrecorded { sha256 } => write!(
                f,
                "blob {sha256} is in the vault but no record names it: a `vault put` or `ingest` stopped after storing \
                 the file and before recording it (run it again on the same file and it is recorded), or one is running now"
            ),
            Notice::StrayFile { key } => {
                write!(f, "`{key}` in the vault is not a blob Liuhen stored (its name or place is wrong): it was put there by hand")
            }
        }
    }
}

/// What a verification run found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub entries_checked: u64,
    pub checkpoints_checked: u64,
    /// Media rows compared with the entries that created their records.
    pub media_records_checked: u64,
    pub blobs_checked: u64,
    /// Media records passed over because they were disposed of (their
    /// tombstones are in the store).
    pub blobs_disposed: u64,
    pub problems: Vec<Problem>,
    /// Problems found but not listed (beyond the listing limit).
    pub problems_not_listed: u64,
    /// Files listed in the vault (0 when blobs were not checked).
    pub vault_files_listed: u64,
    pub notices: Vec<Notice>,
    /// Notices found but not listed (beyond the listing limit).
    pub notices_not_listed: u64,
    /// Content the ledger recorded for a media record whose row is gone or
    /// now names other content. A problem names it already, so its file is
    /// not also a notice of a put that stopped half way (whose advice, to
    /// put the file again, would make a new record for it).
    #[serde(skip)]
    recorded_without_row: HashSet<Sha256Digest>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.problems_not_listed == 0
    }

    fn add(&mut self, problem: Problem) {
        if self.problems.len() < LIST_LIMIT {
            self.problems.push(problem);
        } else {
            self.problems_not_listed += 1;
        }
    }

    fn notice(&mut self, notice: Notice) {
        if self.notices.len() < LIST_LIMIT {
            self.notices.push(notice);
        } else {
            self.notices_not_listed += 1;
        }
    }
}

/// Checks the ledger against its stored tree and signed checkpoints, and
/// the media table against the entries that created its records.
pub async fn verify_ledger(store: &Arc<dyn MetaStore>, verifiers: &[NoteVerifier], origin: &str, report: &mut Report) -> Result<()> {
    let checkpoints = store.checkpoints().await?;
    let ledger_size = store.ledger_size().await?;
    let mut by_size = BTreeMap::new();
    for checkpoint in &checkpoints {
        report.checkpoints_checked += 1;
        if let Err(reason) = check_signature(checkpoint, verifiers, origin) {
            report.add(Problem::CheckpointInvalid { size: checkpoint.size, reason });
        }
        if checkpoint.size > ledger_size {
            report.add(Problem::LedgerTruncated { checkpoint_size: checkpoint.size, ledger_size });
        }
        by_size.insert(checkpoint.size, checkpoint.root);
    }
    let media_rows = media_rows::MediaRows::start(store);
    let mut ledger_media = media_rows::LedgerMedia::default();

    // Pass 1: rebuild the tree from the entries alone and compare it with
    // every signed checkpoint. Where the roots match, the entries are exactly
    // what was signed, so their stored leaves need not be read.
    let mut frontier = Frontier::new();
    let mut tree_broken = false;
    let mut next_index = 0u64;
    let mut last_good_checkpoint = 0u64;
    let mut first_mismatch_after: Option<u64> = None;
    let mut pages = Pages::start(store, 0, ledger_size, false);
    while let Some((entries, _)) = pages.next().await? {
        let (hashed, recorded) = hash_entries(entries, true).await;
        for (index, media) in recorded {
            ledger_media.add(index, media);
        }
        for (index, leaf, payload_ok) in hashed {
            if next_index < index {
                // Missing rows: the tree can go on only with their stored leaves.
                let gap = store.ledger_node_range(0, next_index, u32::try_from(index - next_index).unwrap_or(u32::MAX)).await?;
                let stored: std::collections::HashMap<u64, _> = gap.into_iter().collect();
                while next_index < index {
                    report.add(Problem::EntryMissing { index: next_index });
                    match stored.get(&next_index) {
                        Some(leaf) if !tree_broken => {
                            push(&mut frontier, *leaf, &by_size, report, &mut last_good_checkpoint, &mut first_mismatch_after)
                        }
                        _ => tree_broken = true,
                    }
                    next_index += 1;
                }
            }
            report.entries_checked += 1;
            if !payload_ok {
                report.add(Problem::PayloadAltered { index });
            }
            if !tree_broken {
                push(&mut frontier, leaf, &by_size, report, &mut last_good_checkpoint, &mut first_mismatch_after);
            }
            next_index = index + 1;
        }
    }

    // Pass 2: compare recomputed and stored leaves where no signature vouches
    // for the entries: after the first mismatching checkpoint (to name the
    // altered entries) and after the last checkpoint (entries not yet signed).
    let locate_from = first_mismatch_after.unwrap_or(last_good_checkpoint);
    let mut pages = Pages::start(store, locate_from, ledger_size, true);
    while let Some((entries, leaves)) = pages.next().await? {
        let stored: std::collections::HashMap<u64, _> = leaves.into_iter().collect();
        for (index, leaf, _) in hash_entries(entries, false).await.0 {
            match stored.get(&index) {
                Some(stored) if *stored == leaf => {}
                Some(_) => report.add(Problem::EntryAltered { index }),
                None => report.add(Problem::LeafMissing { index }),
            }
        }
    }
    media_rows::check_media_rows(store, ledger_media, media_rows, ledger_size, report).await
}

/// Entries' indexes, recomputed leaves and whether each payload matches
/// its digest; with the media records they state.
type Hashed = (Vec<(u64, liuhen_core::merkle::Hash, bool)>, Vec<(u64, RecordedMedia)>);

/// Recomputes each entry's leaf and checks its payload digest, and (with
/// `read_media`) reads the media record each states, off the async threads.
async fn hash_entries(entries: Vec<StoredEntry>, read_media: bool) -> Hashed {
    tokio::task::spawn_blocking(move || {
        let hashed = entries
            .iter()
            .map(|stored| {
                let payload_ok = sha256(stored.payload_json.as_bytes()) == stored.entry.payload_sha256;
                (stored.entry.index, stored.entry.leaf_hash(), payload_ok)
            })
            .collect();
        let recorded = if read_media { entries.iter().filter_map(media_rows::recorded_by).collect() } else { Vec::new() };
        (hashed, recorded)
    })
    .await
    .expect("hashing does not panic")
}

/// How many pages are read at once: reading a row costs more than hashing
/// it, so several connections read while the caller hashes.
const PAGES_IN_FLIGHT: usize = 3;

/// Pages of entries (and optionally their stored leaves) over
/// `[start, end)`, in order, the next pages read while the caller works on
/// this one.
struct Pages {
    store: Arc<dyn MetaStore>,
    next_start: u64,
    end: u64,
    with_leaves: bool,
    pending: std::collections::VecDeque<tokio::task::JoinHandle<Result<Page>>>,
}

impl Pages {
    fn start(store: &Arc<dyn MetaStore>, start: u64, end: u64, with_leaves: bool) -> Self {
        let mut pages = Self { store: store.clone(), next_start: start, end, with_leaves, pending: Default::default() };
        pages.prefetch();
        pages
    }

    fn prefetch(&mut self) {
        while self.next_start < self.end && self.pending.len() < PAGES_IN_FLIGHT {
            let fetch = fetch_page(self.store.clone(), self.next_start, self.with_leaves);
            self.pending.push_back(tokio::spawn(fetch));
            self.next_start += u64::from(PAGE);
        }
    }

    async fn next(&mut self) -> Result<Option<(Vec<StoredEntry>, Vec<(u64, liuhen_core::merkle::Hash)>)>> {
        let Some(pending) = self.pending.pop_front() else { return Ok(None) };
        let (_, entries, leaves) = pending.await.expect("page reads do not panic")?;
        self.prefetch();
        Ok(Some((entries, leaves)))
    }
}

fn push(
    frontier: &mut Frontier,
    leaf: liuhen_core::merkle::Hash,
    by_size: &BTreeMap<u64, liuhen_core::merkle::Hash>,
    report: &mut Report,
    last_good_checkpoint: &mut u64,
    first_mismatch_after: &mut Option<u64>,
) {
    frontier.push(leaf);
    if let Some(root) = by_size.get(&frontier.size()) {
        if *root == frontier.root() {
            *last_good_checkpoint = frontier.size();
        } else {
            report.add(Problem::CheckpointMismatch { size: frontier.size() });
            first_mismatch_after.get_or_insert(*last_good_checkpoint);
        }
    }
}

type Page = (u64, Vec<StoredEntry>, Vec<(u64, liuhen_core::merkle::Hash)>);

async fn fetch_page(store: Arc<dyn MetaStore>, start: u64, with_leaves: bool) -> Result<Page> {
    let entries = store.ledger_entries(start, PAGE).await?;
    let leaves = if with_leaves { store.ledger_leaves(start, PAGE).await? } else { Vec::new() };
    Ok((start, entries, leaves))
}

fn check_signature(checkpoint: &liuhen_store::StoredCheckpoint, verifiers: &[NoteVerifier], origin: &str) -> Result<(), String> {
    let opened = open_note(&checkpoint.signed_note, verifiers).map_err(|error| error.to_string())?;
    // Every key the instance signs with, not just one: an SM2 co-signature
    // taken off a checkpoint leaves a valid Ed25519 one behind.
    if let Some(missing) = verifiers.iter().find(|verifier| !opened.verified_key_ids.contains(&verifier.key_id())) {
        return Err(format!("it lacks the signature of the instance's {} key {}", missing.algorithm(), missing.vkey()));
    }
    let parsed = Checkpoint::parse(&opened.text).map_err(|error| error.to_string())?;
    if parsed.origin != origin {
        return Err(format!("origin is `{}`, expected `{origin}`", parsed.origin));
    }
    if parsed.size != checkpoint.size || parsed.root != checkpoint.root {
        return Err("the signed text does not match the stored size and root".into());
    }
    Ok(())
}

/// Re-reads every stored file and compares both digests and the size with
/// its media record. A record with a tombstone was disposed of: its file
/// is expected gone, and one still there (its deletion interrupted) is not
/// a record any more, so neither is reported. Then lists the vault and
/// gives a [`Notice`] for each file no record names, except content that
/// [`verify_ledger`], run first with the same report, found recorded for a
/// record whose row is gone or altered: a problem names that already.
pub async fn verify_blobs(store: &dyn MetaStore, vault: &Vault, report: &mut Report) -> Result<()> {
    let disposed: HashSet<MediaId> = store.tombstones().await?.into_iter().map(|tombstone| tombstone.media.id).collect();
    // Every digest a record names, disposed of or not: 32 bytes a record.
    let mut recorded: HashSet<Sha256Digest> = HashSet::new();
    let mut after = None;
    loop {
        let page = store.media_page(after, 256).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for media in page {
            recorded.insert(media.sha256);
            if disposed.contains(&media.id) {
                report.blobs_disposed += 1;
                continue;
            }
            let rehashed = vault.rehash(&media.sha256).await;
            if matches!(rehashed, Err(VaultError::MissingBlob { .. })) && store.tombstone(media.id).await?.is_some() {
                // Disposed of while this check ran: the tombstone is
                // recorded before the file is deleted.
                report.blobs_disposed += 1;
                continue;
            }
            report.blobs_checked += 1;
            match rehashed {
                Ok(digests) => {
                    let mut differences = Vec::new();
                    if digests.sha256 != media.sha256 {
                        differences.push(format!("SHA-256 is now {}", digests.sha256));
                    }
                    if digests.sm3 != media.sm3 {
                        differences.push(format!("SM3 is now {}", digests.sm3));
                    }
                    if digests.size != media.size {
                        differences.push(format!("size is now {} bytes, recorded {}", digests.size, media.size));
                    }
                    if !differences.is_empty() {
                        report.add(Problem::BlobAltered { sha256: media.sha256, media_id: media.id, detail: differences.join("; ") });
                    }
                }
                Err(VaultError::MissingBlob { .. }) => report.add(Problem::BlobMissing { sha256: media.sha256, media_id: media.id }),
                Err(error) => report.add(Problem::BlobUnreadable { sha256: media.sha256, media_id: media.id, detail: error.to_string() }),
            }
        }
    }
    let listed = vault
        .list_blobs(|listed| match listed {
            ListedBlob::Blob(sha256) if recorded.contains(&sha256) || report.recorded_without_row.contains(&sha256) => {}
            ListedBlob::Blob(sha256) => report.notice(Notice::BlobUnrecorded { sha256 }),
            ListedBlob::Stray(key) => report.notice(Notice::StrayFile { key }),
        })
        .await;
    match listed {
        Ok(listed) => report.vault_files_listed = listed,
        // The check is then incomplete, and the run must not say all is well.
        Err(error) => report.add(Problem::VaultUnlisted { detail: error.to_string() }),
    }
    Ok(())
}
